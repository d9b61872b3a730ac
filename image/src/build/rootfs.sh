#!/usr/bin/env bash
# Lays out the image's root filesystem in OUT (the layer Jib adds on `scratch`):
#   /opt/java             a jlink'd runtime with MODULES only (stripped, compressed: deterministic for one JDK)
#   /opt/dnsflow/dnsflow.jar
#   /lib*, /usr/lib*      the glibc loader and the shared libraries that runtime links to, copied from this
#                         machine (ldd), so the image needs no base image and no registry
#   /usr/lib/locale/C.utf8   the locale LANG=C.UTF-8 names, so flows print their arrows, not '?'
#   /etc/passwd, /etc/group  root and nonroot (65532), so the JVM can name its user
#   /tmp                  for Netty's native transport when it is writable (else Netty uses NIO)
# Usage: rootfs.sh OUT JAR MODULES
set -euo pipefail
out="$1" jar="$2" modules="$3"

# The image is labelled linux/amd64 (image/pom.xml, <from><platforms>) and everything below is this machine's:
# on another architecture, fail rather than write an image whose label lies.
if [[ "$(uname -m)" != x86_64 ]]; then
  echo "rootfs.sh: this machine is $(uname -m), but the image is labelled linux/amd64 and its runtime and glibc" \
    "libraries are copied from this machine: build it on x86_64" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out/opt/dnsflow" "$out/etc" "$out/tmp"
cp "$jar" "$out/opt/dnsflow/dnsflow.jar"

# java.desktop is there for java.beans (Jackson, SnakeYAML); its native AWT, font, image and sound
# libraries are left out, and with them X11, freetype and ALSA.
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --exclude-files='**/libawt*.so,**/libfontmanager.so,**/libjavajpeg.so,**/libjawt.so,**/libjsound.so,**/liblcms.so,**/libmlib_image.so,**/libsplashscreen.so,**/psfont*' \
  --output "$out/opt/java"
# The legal notices of every module are symbolic links to java.base's: make them files.
find "$out/opt/java/legal" -type l | while read -r link; do
  cp --remove-destination "$(readlink -f "$link")" "$link"
done

# Netty's epoll transport is extracted from the jar at run time: its libraries count too.
native="$(mktemp -d)"
trap 'rm -rf "$native"' EXIT
(cd "$native" && jar xf "$jar" META-INF/native 2>/dev/null || true)

# Every library the runtime's executables and libraries link to, and the loader, at the paths ldd
# names (the loader searches /lib/x86_64-linux-gnu itself; no ld.so.cache needed).
find "$out/opt/java" "$native" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper \) -print0 |
  xargs -0 ldd 2>/dev/null |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' |
  grep -v -e "^$out" -e "^$native" | sort -u |
  while read -r lib; do
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
  done

# The runtime jlink wrote must be x86-64 too (a JDK of another architecture, run under emulation, would not be).
if [[ "$(od -An -tx1 -j18 -N2 "$out/opt/java/bin/java" | tr -d ' ')" != 3e00 ]]; then
  echo "rootfs.sh: $out/opt/java/bin/java is not x86-64 (ELF e_machine), but the image is labelled linux/amd64:" \
    "build with an x86-64 JDK" >&2
  exit 1
fi

mkdir -p "$out/usr/lib/locale"
cp -r /usr/lib/locale/C.utf8 "$out/usr/lib/locale/"

printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' \
  > "$out/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' > "$out/etc/group"
