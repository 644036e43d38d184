// Builds the Debian package eca_<version>_<arch>.deb from a built Linux single executable, with
// `dpkg-deb --root-owner-group --build` (no debhelper, no source package: the executable is the
// build's output, and the maintainer scripts are debhelper's systemd snippets written out).
//
// What it installs (packaging/README.md, "Debian package"):
//   /usr/bin/eca                       the agent, 0755
//   /lib/systemd/system/eca.service    packaging/linux/eca.service, ExecStart=/usr/bin/eca
//   /etc/eca/config.yaml               packaging/config.example.yaml, a conffile, 0640
//   /usr/share/doc/eca/                copyright (eca's and the addons' licences), Node.js-LICENSE.gz,
//                                      changelog.gz, README.Debian
//   /usr/share/man/man1/eca.1.gz
//   /usr/share/lintian/overrides/eca   debian/lintian-overrides, each override with its reason
// and DEBIAN/{control,conffiles,md5sums,postinst,prerm,postrm}.
//
// Reproducible: every file's mtime is SOURCE_DATE_EPOCH, modes are set explicitly, gzip members
// carry no name or time, and dpkg-deb (>= 1.18.11) takes SOURCE_DATE_EPOCH for the ar members' and
// clamps the tar entries' times; it sorts the tar entries itself.

import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { runCommand } from "../run-command.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEBIAN = join(REPO, "packaging", "linux", "debian");

export const DEB_PACKAGE = "eca";
export const DEB_EXECUTABLE = "/usr/bin/eca";
export const DEB_UNIT = "/lib/systemd/system/eca.service";
export const DEB_CONFIG = "/etc/eca/config.yaml";

/**
 * What the registry's Node 26 Linux builds need at run time, as dpkg-shlibdeps says from Debian
 * 12's shlibs and symbols files for the amd64 binary (the arm64 one links the same libraries with
 * the same symbol versions: GLIBC_2.28, GLIBCXX_3.4.21, CXXABI_1.3.11, GCC_4.2.0, libatomic).
 * test/packaging-package.test.ts runs dpkg-shlibdeps on the built amd64 executable to keep it true.
 */
export const DEB_DEPENDS = "libatomic1 (>= 4.8), libc6 (>= 2.34), libgcc-s1 (>= 4.2), libstdc++6 (>= 10.2)";

/**
 * The embedded addons are written out and loaded at run time, so dpkg-shlibdeps never sees them:
 * the usb addon (the optional libusb backend) links libudev.so.1 (`readelf -d` on
 * the .node files in node_modules/usb/prebuilds/linux-x64 and linux-arm64); bluez serves the default bluez-dbus backend.
 * koffi's (glibc builds, @koromix/koffi-linux-x64 and -arm64 3.3.4) links only libraries Node
 * itself needs, at older versions (`readelf -d`, `objdump -T`: libstdc++.so.6, libgcc_s.so.1,
 * libc.so.6, libm.so.6; at most GLIBC_2.25, GLIBCXX_3.4.22, CXXABI_1.3.11), so DEB_DEPENDS covers it.
 */
export const DEB_RECOMMENDS = "bluez, libudev1";

export interface DebOptions {
  /** The Linux single executable for this architecture. */
  executable: string;
  arch: "amd64" | "arm64";
  /** Default: package.json's version. */
  version?: string;
  outDir: string;
  /** Seconds since the epoch for every timestamp in the package. */
  sourceDateEpoch: number;
  /** Node's LICENSE (from the registry tarball), installed beside the copyright file. */
  nodeLicense?: string;
  maintainer?: string;
  /**
   * dpkg-deb's compressor. Default gzip (-6): every dpkg reads it, and it is single-threaded zlib, so
   * the bytes do not depend on the machine's cores. xz (-6, one thread) is a quarter smaller but takes
   * about two minutes for this 110 MiB executable; zstd needs dpkg >= 1.21.18 (Debian 12, Ubuntu 21.10).
   */
  compression?: "gzip" | "xz" | "zstd";
  verbose?: boolean;
}

export interface DebResult {
  deb: string;
  bytes: number;
  installedKiB: number;
}

const MODE = { dir: 0o755, exec: 0o755, file: 0o644, config: 0o640 };

function changelog(version: string, epoch: number, maintainer: string): Buffer {
  const date = new Date(epoch * 1000).toUTCString().replace("GMT", "+0000");
  const text = `${DEB_PACKAGE} (${version}) unstable; urgency=medium\n\n  * Release ${version}: built from the eca repository by packaging/package.ts.\n\n -- ${maintainer}  ${date}\n`;
  return gzipSync(Buffer.from(text), { level: 9 });
}

function copyright(): string {
  const licence = (path: string) => readFileSync(join(REPO, "node_modules", path), "utf8").trimEnd();
  const indent = (text: string) =>
    text
      .split("\n")
      .map((line) => (line.trim() === "" ? " ." : ` ${line}`))
      .join("\n");
  const mit = [
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software",
    'and associated documentation files (the "Software"), to deal in the Software without',
    "restriction, including without limitation the rights to use, copy, modify, merge, publish,",
    "distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the",
    "Software is furnished to do so, subject to the following conditions:",
    "",
    "The above copyright notice and this permission notice shall be included in all copies or",
    "substantial portions of the Software.",
    "",
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING',
    "BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND",
    "NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,",
    "DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,",
    "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.",
  ].join("\n");
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: eca
Source: https://github.com/eca-agent/eca
Comment: /usr/bin/eca is a Node.js single executable: Node.js ${process.version} with eca's
 JavaScript and its npm dependencies bundled in, and the prebuilt native addons of the npm
 packages usb (which links libusb statically) and @stoprocent/bluetooth-hci-socket.

Files: *
Copyright: the eca contributors
License: Expat

Files: usr/bin/eca (Node.js)
Copyright: Node.js contributors, and the authors of the software Node.js includes (V8, libuv,
 OpenSSL, ICU, zlib and others, as its LICENSE below lists)
License: Node.js
 Node.js's own licence, which lists every component it includes and each one's licence, is
 /usr/share/doc/eca/Node.js-LICENSE.gz, verbatim from the registry's Node.js package.

Files: usr/bin/eca (usb addon)
Copyright: 2012 Nonolith Labs, LLC
License: Expat
Comment: the npm package usb; its licence:
${indent(licence("usb/LICENSE"))}

Files: usr/bin/eca (libusb, inside the usb addon)
Copyright: the libusb authors (node_modules/usb/libusb/AUTHORS)
License: LGPL-2.1+
 On Debian systems, the full text of the GNU Lesser General Public License version 2.1 is in
 /usr/share/common-licenses/LGPL-2.1.

Files: usr/bin/eca (bluetooth-hci-socket addon)
Copyright: 2024 Marek Serafin
License: Expat
Comment: the npm package @stoprocent/bluetooth-hci-socket; its licence:
${indent(licence("@stoprocent/bluetooth-hci-socket/LICENSE"))}

License: Expat
${indent(mit)}
`;
}

function control(options: DebOptions, version: string, installedKiB: number, maintainer: string): string {
  return `Package: ${DEB_PACKAGE}
Version: ${version}
Architecture: ${options.arch}
Maintainer: ${maintainer}
Installed-Size: ${installedKiB}
Depends: ${DEB_DEPENDS}
Recommends: ${DEB_RECOMMENDS}
Section: admin
Priority: optional
Homepage: https://github.com/eca-agent/eca
Description: Endpoint Compliance Agent for USB and Bluetooth devices
 eca watches the USB and Bluetooth devices of a laptop, judges each against a
 policy based on the guidance on personal devices and peripherals, and reports
 findings (OCSF events) to a collector through a durable on-disk outbox.
 .
 This package runs it as the systemd service eca.service; IT support see what
 it sees with "eca status" (members of the group adm).
`;
}

/** Every regular file under `root`, relative, sorted. */
function files(root: string, under = ""): string[] {
  return readdirSync(join(root, under), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = under ? `${under}/${entry.name}` : entry.name;
      return entry.isDirectory() ? files(root, path) : [path];
    });
}

function put(root: string, path: string, content: Buffer | string, mode: number): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true, mode: MODE.dir });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

export async function buildDeb(options: DebOptions): Promise<DebResult> {
  const packageJson = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
  const version = options.version ?? packageJson.version;
  const maintainer = options.maintainer ?? "eca maintainers <eca-maintainers@justice.gov.uk>";
  const staging = mkdtempSync(join(tmpdir(), "eca-deb-"));
  try {
    const root = join(staging, "root");
    mkdirSync(root, { mode: MODE.dir });
    chmodSync(root, MODE.dir);

    const exe = join(root, DEB_EXECUTABLE);
    mkdirSync(dirname(exe), { recursive: true });
    copyFileSync(options.executable, exe);
    chmodSync(exe, MODE.exec);
    const unit = readFileSync(join(REPO, "packaging", "linux", "eca.service"), "utf8")
      .replace(/^ExecStart=\/usr\/local\/bin\/eca /m, `ExecStart=${DEB_EXECUTABLE} `)
      // The manual install steps at the top do not apply to the packaged unit.
      .replace(
        /^# Install \(see packaging\/README\.md\):\n(# {2}.*\n)+/m,
        "# Installed by the eca Debian package: see /usr/share/doc/eca/README.Debian.\n",
      );
    if (!unit.includes(`ExecStart=${DEB_EXECUTABLE} run`)) {
      throw new Error(
        "packaging/linux/eca.service: no ExecStart=/usr/local/bin/eca line to point at /usr/bin/eca",
      );
    }
    put(root, DEB_UNIT, unit, MODE.file);
    put(root, DEB_CONFIG, readFileSync(join(REPO, "packaging", "config.example.yaml")), MODE.config);
    put(root, "/usr/share/doc/eca/copyright", copyright(), MODE.file);
    put(
      root,
      "/usr/share/doc/eca/Node.js-LICENSE.gz",
      gzipSync(options.nodeLicense ?? "See https://github.com/nodejs/node/blob/main/LICENSE\n", { level: 9 }),
      MODE.file,
    );
    put(
      root,
      "/usr/share/doc/eca/changelog.gz",
      changelog(version, options.sourceDateEpoch, maintainer),
      MODE.file,
    );
    put(root, "/usr/share/doc/eca/README.Debian", readFileSync(join(DEBIAN, "README.Debian")), MODE.file);
    put(
      root,
      "/usr/share/man/man1/eca.1.gz",
      gzipSync(readFileSync(join(DEBIAN, "eca.1")), { level: 9 }),
      MODE.file,
    );
    put(root, "/usr/share/lintian/overrides/eca", readFileSync(join(DEBIAN, "lintian-overrides")), MODE.file);

    const payload = files(root);
    // Installed-Size: KiB, each file rounded up, plus one per directory (dpkg-gencontrol's way).
    const dirs = new Set(
      payload.flatMap((f) =>
        f
          .split("/")
          .slice(0, -1)
          .map((_, i, a) => a.slice(0, i + 1).join("/")),
      ),
    );
    const installedKiB =
      payload.reduce((sum, f) => sum + Math.ceil(statSync(join(root, f)).size / 1024), 0) + dirs.size;

    const meta = join(root, "DEBIAN");
    mkdirSync(meta, { mode: MODE.dir });
    put(root, "DEBIAN/control", control(options, version, installedKiB, maintainer), MODE.file);
    put(root, "DEBIAN/conffiles", `${DEB_CONFIG}\n`, MODE.file);
    put(
      root,
      "DEBIAN/md5sums",
      payload
        .map(
          (f) =>
            `${createHash("md5")
              .update(readFileSync(join(root, f)))
              .digest("hex")}  ${f}\n`,
        )
        .join(""),
      MODE.file,
    );
    for (const script of ["postinst", "prerm", "postrm"]) {
      put(root, `DEBIAN/${script}`, readFileSync(join(DEBIAN, script)), MODE.exec);
    }

    // Directories 0755 and every timestamp the same, whatever the umask and the clock said.
    const stamp = (path: string) => {
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        chmodSync(path, MODE.dir);
        for (const name of readdirSync(path)) stamp(join(path, name));
      }
      utimesSync(path, options.sourceDateEpoch, options.sourceDateEpoch);
    };
    stamp(root);

    mkdirSync(options.outDir, { recursive: true });
    const deb = join(resolve(options.outDir), `${DEB_PACKAGE}_${version}_${options.arch}.deb`);
    rmSync(deb, { force: true });
    await runCommand(
      "dpkg-deb",
      [
        "--root-owner-group",
        `-Z${options.compression ?? "gzip"}`,
        options.compression === "zstd" ? "-z3" : "-z6",
        "--threads-max=1",
        "--build",
        root,
        deb,
      ],
      {
        env: { ...process.env, SOURCE_DATE_EPOCH: String(options.sourceDateEpoch) },
      },
    );
    if (options.verbose) process.stderr.write(`deb: ${relative(process.cwd(), deb)}\n`);
    return { deb, bytes: statSync(deb).size, installedKiB };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
