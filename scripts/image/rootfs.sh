#!/bin/sh
# The Debian part of spe's image: what node and the helm worker need at run
# time (libc, libstdc++, CA certificates, time zones), fetched with mmdebstrap
# from Debian's archive and unpacked into OUT, nothing configured and no shell.
# Both recipes use it: `npm run image` and the Dockerfile.
#
#   rootfs.sh OUT          (OUT must not exist)
#   SPE_IMAGE_DEBIAN_SUITE   the release (default trixie)
#   SPE_IMAGE_DEBIAN_MIRROR  another mirror or a snapshot of the archive
set -eu

out=$1
suite=${SPE_IMAGE_DEBIAN_SUITE:-trixie}
# What the image asks for; apt adds their dependencies. libjemalloc2: node's allocator (below).
wanted="base-files,libc6,libstdc++6,libjemalloc2,ca-certificates,tzdata,netbase"
# Dependencies used only by maintainer scripts, which never run here: debconf
# asks questions, openssl runs update-ca-certificates (the bundle is written
# below instead), and awk edits files when base-files is configured.
unneeded=" debconf openssl openssl-provider-legacy libssl3t64 libssl3 zlib1g libzstd1 mawk "

command -v mmdebstrap >/dev/null || {
	echo "rootfs.sh: mmdebstrap is needed (Debian/Ubuntu: apt-get install mmdebstrap)" >&2
	exit 3
}
[ ! -e "$out" ] || {
	echo "rootfs.sh: $out exists" >&2
	exit 2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The extract variant unpacks the wanted packages and their dependencies without
# running anything, chrootless needs no root, no user namespace and no chroot
# (so it runs in a docker build too); the .deb files are kept so each one is
# unpacked again below, or left out, on its own.
mmdebstrap --quiet --mode=chrootless --variant=extract --include="$wanted" --skip=cleanup/apt/cache \
	"$suite" "$work/chroot" ${SPE_IMAGE_DEBIAN_MIRROR:+"$SPE_IMAGE_DEBIAN_MIRROR"}

mkdir -p "$out/var/lib/dpkg/status.d"
for deb in $(find "$work/chroot/var/cache/apt/archives" -name '*.deb' | sort); do
	pkg=$(dpkg-deb --field "$deb" Package)
	case "$unneeded" in *" $pkg "*)
		echo "rootfs.sh: leaving out $pkg (configuration-time only)" >&2
		continue
		;;
	esac
	dpkg-deb --extract "$deb" "$out"
	# One control file per package, where scanners look for the packages of a
	# distroless image (there is no dpkg database).
	dpkg-deb --field "$deb" >"$out/var/lib/dpkg/status.d/$pkg"
done

cd "$out"
# Documentation but each package's copyright file (its licence terms).
find usr/share/doc -type f ! -name copyright -delete
find usr/share/doc -type l -delete
rm -rf usr/share/man usr/share/info usr/share/lintian usr/share/bug usr/share/gcc usr/share/gdb
find usr/share/doc -type d -empty -delete

# What update-ca-certificates would write: every certificate Debian ships, in one file.
mkdir -p etc/ssl/certs
find usr/share/ca-certificates -name '*.crt' | LC_ALL=C sort | while read -r crt; do
	sed -e '$a\' "$crt"
done >etc/ssl/certs/ca-certificates.crt

# node runs on jemalloc, whose background thread hands freed memory back to the system
# within seconds; glibc's malloc keeps most of what a burst of work freed
# (bench/results/release/README.md). The loader preloads it for every dynamically linked
# program here (only node: the helm worker is static), and jemalloc reads its options from
# where /etc/malloc.conf points. Files, not LD_PRELOAD and MALLOC_CONF: those would reach
# whatever spe starts, and MALLOC_CONF can still add options.
jemalloc=$(find usr/lib -name libjemalloc.so.2 | head -n 1)
[ -n "$jemalloc" ] || {
	echo "rootfs.sh: libjemalloc.so.2 is missing from libjemalloc2" >&2
	exit 4
}
echo "/$jemalloc" >etc/ld.so.preload
ln -s background_thread:true etc/malloc.conf

# The image's users, with no login shell: spe runs as nonroot (65532).
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n' >etc/passwd
printf 'root:x:0:\nnonroot:x:65532:\n' >etc/group
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >etc/nsswitch.conf
mkdir -p tmp usr/local/bin
chmod 1777 tmp
