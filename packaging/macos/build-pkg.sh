#!/bin/sh
# Run on a Mac (Xcode command line tools), in a payload folder written by `npm run package`
# (dist/package/macos-<arch>/): signs eca, builds the installer package, signs, notarises and
# staples it. packaging/README.md ("macOS package") explains each step.
#
#   APP_ID="Developer ID Application: Example Ltd (TEAMID)" \
#   INSTALLER_ID="Developer ID Installer: Example Ltd (TEAMID)" \
#   NOTARY_PROFILE=eca-notary ./build-pkg.sh
#
# Without APP_ID the executable is ad-hoc signed (enough to run on this Mac, not to distribute), and
# without INSTALLER_ID / NOTARY_PROFILE the package is left unsigned / not notarised.
set -eu
cd "$(dirname "$0")"
VERSION=$(cat VERSION)
ARCH=$(cat ARCH)
EXE=root/usr/local/bin/eca
OUT=eca-$VERSION-$ARCH.pkg

if [ -n "${APP_ID:-}" ]; then
	codesign --force --options runtime --timestamp --entitlements eca.entitlements --sign "$APP_ID" "$EXE"
else
	codesign --force --sign - "$EXE"
fi
codesign --verify --strict --verbose=2 "$EXE"

pkgbuild --root root --scripts scripts --identifier uk.gov.justice.eca --version "$VERSION" \
	--install-location / --ownership recommended "eca-component.pkg"
if [ -n "${INSTALLER_ID:-}" ]; then
	productbuild --package eca-component.pkg --sign "$INSTALLER_ID" "$OUT"
else
	productbuild --package eca-component.pkg "$OUT"
fi
rm -f eca-component.pkg

if [ -n "${NOTARY_PROFILE:-}" ]; then
	xcrun notarytool submit "$OUT" --keychain-profile "$NOTARY_PROFILE" --wait
	xcrun stapler staple "$OUT"
	xcrun stapler validate "$OUT"
	spctl --assess --type install --verbose "$OUT"
fi
echo "$OUT"
