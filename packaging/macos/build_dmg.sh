#!/usr/bin/env bash
# Wrap dist/MechanicDesktop.app in a .dmg. The app is signed ad hoc; when the Apple
# signing secrets are present (CI on a tag), it is signed with the Developer ID and
# notarized instead.
#   packaging/macos/build_dmg.sh VERSION
set -euo pipefail
cd "$(dirname "$0")/../.."
version="${1:?usage: build_dmg.sh VERSION}"
app="dist/MechanicDesktop.app"
dmg="dist/MechanicDesktop-${version}.dmg"
[ -d "$app" ] || { echo "build the app first: make package" >&2; exit 1; }

if [ -n "${APPLE_SIGNING_IDENTITY:-}" ]; then
  codesign --deep --force --options runtime --timestamp \
    --sign "$APPLE_SIGNING_IDENTITY" "$app"
else
  codesign --deep --force --sign - "$app"
fi

staging=$(mktemp -d)
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "Mechanic Desktop" -srcfolder "$staging" -ov -format UDZO "$dmg"
rm -rf "$staging"

if [ -n "${APPLE_SIGNING_IDENTITY:-}" ] && [ -n "${APPLE_NOTARY_PROFILE:-}" ]; then
  codesign --sign "$APPLE_SIGNING_IDENTITY" --timestamp "$dmg"
  xcrun notarytool submit "$dmg" --keychain-profile "$APPLE_NOTARY_PROFILE" --wait
  xcrun stapler staple "$dmg"
fi
echo "$dmg"
