#!/usr/bin/env bash
# Installs libvirt and QEMU from Debian packages and starts virtlogd and libvirtd by hand, for
# machines without systemd (CI containers, development sandboxes). Safe to run again: daemons that
# already respond are left alone.
#
# Debian packages: libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients
# libvirt0 qemu-system-x86 qemu-utils (the hypervisor), genisoimage (the driver builds NoCloud seed
# ISOs with it), openssh-server (for the qemu+ssh transport test).
#
# Usage: scripts/start-libvirtd.sh            (run as root)
set -euo pipefail

SOCKET=/run/libvirt/libvirt-sock
WAIT_SECONDS=30
PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients libvirt0
    qemu-system-x86 qemu-utils genisoimage openssh-server)

if [[ $(id -u) -ne 0 ]]; then
    echo "start-libvirtd.sh: must run as root (it installs packages and starts system daemons)" >&2
    exit 1
fi

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if ((${#missing[@]} > 0)); then
    echo "start-libvirtd.sh: installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# With /dev/kvm at mode 0600, libvirt cannot tell whether QEMU may use it and probes QEMU again on
# nearly every call (tens of seconds per define). Giving the kvm group access keeps its cache valid.
if [[ -e /dev/kvm ]]; then
    chgrp kvm /dev/kvm
    chmod 0660 /dev/kvm
fi

if [[ -S $SOCKET ]] && virsh -c qemu:///system version >/dev/null 2>&1; then
    echo "start-libvirtd.sh: libvirtd is already running and responds on $SOCKET"
    exit 0
fi

mkdir -p /run/libvirt
if ! { [[ -f /run/virtlogd.pid ]] && kill -0 "$(cat /run/virtlogd.pid)" 2>/dev/null; }; then
    virtlogd -d
fi
if ! { [[ -f /run/libvirtd.pid ]] && kill -0 "$(cat /run/libvirtd.pid)" 2>/dev/null; }; then
    libvirtd -d
fi

deadline=$((SECONDS + WAIT_SECONDS))
until [[ -S $SOCKET ]]; do
    if ((SECONDS >= deadline)); then
        echo "start-libvirtd.sh: $SOCKET did not appear within ${WAIT_SECONDS} s; see /var/log/libvirt/" >&2
        exit 1
    fi
    sleep 0.2
done

# The first qemu:///system connection probes QEMU's capabilities (several seconds on a fresh
# machine); doing it here keeps that delay out of the tests' time-outs.
virsh -c qemu:///system version
echo "start-libvirtd.sh: libvirtd is running (pid $(cat /run/libvirtd.pid))"
