# shellcheck shell=bash
# Shared by package-test.sh and build-image.sh (sourced, not run): a fresh Debian 12 minbase root
# filesystem in "$root", made by debootstrap once and cached as a tarball, its mounts and a
# clean-environment chroot. The sourcing script sets `root` (a fresh directory) and `step`.

debian_root_cache=build/package-test/bookworm-minbase.tar
debian_root_mounts=()

# Unpack the cached root into "$root", or debootstrap it (and cache it for the next run).
debian_root_create() {
  if [ -f "$debian_root_cache" ]; then
    step "root filesystem from $debian_root_cache"
    tar -C "$root" -xf "$debian_root_cache"
  else
    step "debootstrap --variant=minbase bookworm (cached afterwards in $debian_root_cache)"
    debootstrap --variant=minbase bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
      >"$root.debootstrap.log" 2>&1 || {
      tail -n 20 "$root.debootstrap.log" >&2
      rm -f "$root.debootstrap.log"
      return 1
    }
    rm -f "$root.debootstrap.log"
    mkdir -p "$(dirname "$debian_root_cache")"
    tar -C "$root" -cf "$debian_root_cache.tmp" . && mv "$debian_root_cache.tmp" "$debian_root_cache"
  fi
  # It becomes '/': users such as _apt, man and argoimg must get through it (mktemp made it 0700,
  # and the tarball keeps that).
  chmod 755 "$root"
}

# Mount what apt and man need, copy the resolver in and block daemons from maintainer scripts.
debian_root_enter() {
  mount -t proc proc "$root/proc" && debian_root_mounts+=("$root/proc")
  mount --bind /dev "$root/dev" && debian_root_mounts+=("$root/dev")
  mount --bind /dev/pts "$root/dev/pts" && debian_root_mounts+=("$root/dev/pts")
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
}

debian_root_unmount() {
  local i
  for ((i = ${#debian_root_mounts[@]} - 1; i >= 0; i--)); do
    umount "${debian_root_mounts[i]}" 2>/dev/null || umount -l "${debian_root_mounts[i]}" || true
  done
  debian_root_mounts=()
}

# Unmount, then remove the root only once nothing is mounted in it any more.
debian_root_remove() {
  debian_root_unmount
  if ! grep -q " $root/" /proc/mounts; then
    rm -rf "$root"
  fi
}

in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}
