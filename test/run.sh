#!/usr/bin/env bash
# The whole test suite: checks (and as root on Debian, installs) the system packages the tests
# drive for real — umockdev for recorded USB devices, a private D-Bus with python3-dbusmock for
# BlueZ, openssl for the test CA — then lints and runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pinned Node (the `node` devDependency) must be the one on PATH; if its install script was
# skipped (npm ci --ignore-scripts), say so rather than fail in every test.
node agent/bin/node-check.mjs

# command : Debian package that provides it
needed=(
  "umockdev-run:umockdev"
  "dbus-daemon:dbus"
  "openssl:openssl"
  "lsusb:usbutils"
  "dbus-monitor:dbus-bin"
  "useradd:passwd"
  "setpriv:util-linux"
  "wixl:wixl"
  "msiinfo:msitools"
  "msiextract:msitools"
  "msibuild:msitools"
  "mount:mount"
  "rsyslogd:rsyslog"
  "dpkg-deb:dpkg"
  "dpkg-shlibdeps:dpkg-dev"
  "lintian:lintian"
  "strip:binutils"
  "aarch64-linux-gnu-strip:binutils-aarch64-linux-gnu"
  "file:file"
  "qemu-aarch64:qemu-user"
)
missing=()
for pair in "${needed[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
# The mock BlueZ runs on the system Python, where Debian installs dbusmock.
/usr/bin/python3 -c "import dbusmock" >/dev/null 2>&1 || missing+=("python3-dbusmock")
# rsyslog's TLS stream driver and RELP input, for test/syslog.test.ts.
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] || missing+=("rsyslog-gnutls")
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so ] || missing+=("rsyslog-relp")
# The linux-arm64 executable is run under qemu-aarch64 with Debian's arm64 cross libraries.
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] ||
  missing+=("libc6-arm64-cross" "libstdc++6-arm64-cross" "libgcc-s1-arm64-cross" "libatomic1-arm64-cross")

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test/run.sh: installing missing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "test/run.sh: missing Debian packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
fi

npm run --silent lint
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
# One plain closing line that any CI can read: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$results" || true
exit "$status"
