#!/usr/bin/env bash
# Builds the Debian package artifacts/recoveryassist_<version>_amd64.deb: the appliance and the
# recoveryassist command line, published self-contained for linux-x64 (Debian ships no .NET runtime),
# the hardened systemd unit, the settings file and the maintainer scripts from appliance/.
# Prints the .deb's path on its last line. Unchanged sources: the previous package is reused (the
# hash of every input is kept beside it); FORCE=1 builds anew.
# Needs: the .NET 10 SDK, dpkg-deb and fakeroot (Debian packages dpkg-dev, fakeroot).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

for tool in dotnet dpkg-deb fakeroot; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not on PATH (Debian packages: dpkg-dev fakeroot; and the .NET 10 SDK)" >&2; exit 1; }
done

version=$(sed -n '1s/^recoveryassist (\([^)]*\)).*/\1/p' appliance/debian/changelog)
[[ -n "$version" ]] || { echo "error: appliance/debian/changelog: no version on its first line" >&2; exit 1; }
out=artifacts
deb="$out/recoveryassist_${version}_amd64.deb"
work="$out/package"

inputs=(src ipxe appliance Directory.Build.props Directory.Packages.props global.json scripts/package.sh)
hash=$(find "${inputs[@]}" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print0 | LC_ALL=C sort -z \
  | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [[ -z "${FORCE:-}" && -f "$deb" && "$(cat "$work/source-hash" 2>/dev/null)" == "$hash" ]]; then
  echo "unchanged sources: reusing $deb"
  echo "$repo/$deb"
  exit 0
fi

rm -rf "$work" "$deb"
mkdir -p "$work/src"
# A copy of the sources without bin/ and obj/: publishing for linux-x64 restores with a runtime
# identifier, which must not rewrite the working tree's obj/ under a running build or test.
tar -c --exclude=bin --exclude=obj "${inputs[@]}" | tar -x -C "$work/src"

root="$work/root"
lib="$root/usr/lib/recoveryassist"
publish=(-c Release -r linux-x64 --self-contained -o "$lib" -nologo -v q
  -p:DebugType=none -p:DebugSymbols=false -p:GenerateDocumentationFile=false)
echo "publishing the appliance and the command line (self-contained, linux-x64)..."
dotnet publish "$work/src/src/RecoveryAssist.Server" "${publish[@]}"
# Into the same directory: the CLI shares the runtime and libraries with the server.
dotnet publish "$work/src/src/RecoveryAssist.Cli" "${publish[@]}"
# LTTng tracing needs liblttng-ust, which the appliance does not use; the runtime runs without it.
rm -f "$lib/libcoreclrtraceptprovider.so" "$lib"/*.staticwebassets.endpoints.json

install -d "$root/usr/bin" "$root/usr/lib/systemd/system" "$root/etc/recoveryassist" \
  "$root/usr/share/doc/recoveryassist" "$root/usr/share/lintian/overrides" "$root/DEBIAN"
ln -s ../lib/recoveryassist/recoveryassist "$root/usr/bin/recoveryassist"
install -m 0644 appliance/systemd/recoveryassist.service "$root/usr/lib/systemd/system/"
install -m 0644 appliance/recoveryassist.json "$root/etc/recoveryassist/"
install -m 0644 appliance/debian/copyright "$root/usr/share/doc/recoveryassist/"
gzip -9n -c appliance/debian/changelog > "$root/usr/share/doc/recoveryassist/changelog.gz"
install -d "$root/usr/share/man/man1"
gzip -9n -c appliance/debian/recoveryassist.1 > "$root/usr/share/man/man1/recoveryassist.1.gz"
install -m 0644 appliance/debian/lintian-overrides "$root/usr/share/lintian/overrides/recoveryassist"

# Plain files 0644, the programs 0755.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$lib/RecoveryAssist.Server" "$lib/recoveryassist" "$lib/createdump"

install -m 0755 appliance/debian/postinst appliance/debian/prerm appliance/debian/postrm "$root/DEBIAN/"
install -m 0644 appliance/debian/conffiles "$root/DEBIAN/"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" appliance/debian/control.in > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

fakeroot dpkg-deb --build -Zgzip "$root" "$deb" >/dev/null
echo "$hash" > "$work/source-hash"
rm -rf "$work/src"
echo "built $deb ($(du -h "$deb" | cut -f1))"
echo "$repo/$deb"
