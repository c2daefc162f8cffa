#!/usr/bin/env bash
# Builds a tiny bootable qcow2 template (about 14 MB) for Kiln's real-libvirt test.
#
# The guest proves that a build's NoCloud seed reached it. It boots from its own disk (extlinux in
# the MBR) and finds the disk labelled "cidata". It applies the hostname, the root password hash
# and the root SSH keys from it, prints on the serial console what is now in place, and powers
# off. Lines on the console:
#   KILN-APPLIED instance-id=<meta-data instance-id>
#   KILN-APPLIED hostname=<hostname now set>
#   KILN-APPLIED root-hash=<root's hash now in /etc/shadow>
#   KILN-APPLIED ssh-key=<one line of /root/.ssh/authorized_keys>   (one per key)
#   KILN-DONE
#   KILN-ERROR <reason>                                             (on failure, then power off)
#
# Parts, all from Debian packages:
#   kernel    the image package that linux-image-cloud-amd64 depends on, fetched with
#             apt-get download and never installed. It has ext4 and crc32c built in. The
#             initramfs loads virtio_pci, virtio_blk, ata_piix, sr_mod and isofs with their
#             dependencies from modules.dep. The cloud kernel has no AHCI driver, so the seed
#             must be an IDE cdrom.
#   initramfs busybox-static; /init loads the modules, mounts /dev/vda1 and switch_roots to it.
#   root disk one MBR partition with ext4 (mkfs.ext4 -d, no loop device) holding busybox, the
#             kernel, the initramfs and /sbin/init. Installing extlinux needs the partition
#             mounted once through a loop device.
#
# Debian packages needed (installed when missing): apt dpkg busybox-static extlinux
# syslinux-common e2fsprogs fdisk cpio kmod gzip qemu-utils mount
#
# Usage: scripts/make-test-template.sh OUTDIR    (run as root; writes OUTDIR/kiln-test-template.qcow2)
set -euo pipefail

OUTDIR=${1:?usage: make-test-template.sh OUTDIR}
PACKAGES=(busybox-static extlinux syslinux-common e2fsprogs fdisk cpio kmod gzip qemu-utils mount)
MODULES=(virtio_pci virtio_blk ata_piix sr_mod isofs)
PARTITION_START_SECTOR=2048
PARTITION_MIB=40
OUTPUT="$OUTDIR/kiln-test-template.qcow2"

if [[ $(id -u) -ne 0 ]]; then
    echo "make-test-template.sh: must run as root (it installs packages and loop-mounts an image)" >&2
    exit 1
fi

install_missing_packages() {
    local missing=() package
    for package in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$package")
        fi
    done
    if ((${#missing[@]} > 0)); then
        echo "make-test-template.sh: installing ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

WORK=$(mktemp -d /tmp/kiln-template.XXXXXX)
MOUNTPOINT="$WORK/mnt"
cleanup() {
    if mountpoint -q "$MOUNTPOINT" 2>/dev/null; then
        umount "$MOUNTPOINT"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Unpacks the cloud kernel package into $WORK/kernel and sets KERNEL_VERSION.
fetch_kernel() {
    local package
    package=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
    if [[ -z $package ]]; then
        echo "make-test-template.sh: cannot find the kernel that linux-image-cloud-amd64 depends on;" \
            "run apt-get update" >&2
        exit 1
    fi
    (cd "$WORK" && apt-get download -q "$package")
    dpkg-deb -x "$WORK"/"$package"_*.deb "$WORK/kernel"
    KERNEL_VERSION=${package#linux-image-}
    depmod -b "$WORK/kernel" "$KERNEL_VERSION"
}

# Prints the module files to load, dependencies first, each once, as paths under lib/modules.
module_load_order() {
    local modules_dir="$WORK/kernel/lib/modules/$KERNEL_VERSION" module line deps dep i
    declare -A seen=()
    for module in "${MODULES[@]}"; do
        line=$(grep -E "/${module}\.ko(\.[a-z]+)?:" "$modules_dir/modules.dep") || {
            echo "make-test-template.sh: module $module not found in $KERNEL_VERSION" >&2
            exit 1
        }
        # modules.dep lists a module's dependencies so that the last one must load first.
        read -r -a deps <<<"${line#*:}"
        for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
            dep=${deps[i]}
            if [[ -z ${seen[$dep]:-} ]]; then
                seen[$dep]=1
                echo "$dep"
            fi
        done
        dep=${line%%:*}
        if [[ -z ${seen[$dep]:-} ]]; then
            seen[$dep]=1
            echo "$dep"
        fi
    done
}

# Links every busybox applet in DIR/bin to DIR/bin/busybox.
install_busybox() {
    local dir=$1 applet
    mkdir -p "$dir/bin" "$dir/sbin"
    cp /bin/busybox "$dir/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [[ $applet == busybox ]] || ln -sf busybox "$dir/bin/$applet"
    done
}

build_initramfs() {
    local root="$WORK/initramfs" module
    install_busybox "$root"
    mkdir -p "$root/modules" "$root/proc" "$root/sys" "$root/dev" "$root/newroot"
    : >"$root/modules/load-order"
    while read -r module; do
        cp "$WORK/kernel/lib/modules/$KERNEL_VERSION/$module" "$root/modules/"
        basename "$module" >>"$root/modules/load-order"
    done < <(module_load_order)

    cat >"$root/init" <<'INIT'
#!/bin/sh
# Loads the disk and cdrom drivers, mounts the root disk and hands over to its /sbin/init.
fail() {
    echo "KILN-ERROR initramfs: $*"
    poweroff -f
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r module; do
    insmod "/modules/$module" || echo "KILN-ERROR initramfs: insmod $module failed"
done </modules/load-order

tries=0
until [ -b /dev/vda1 ]; do
    tries=$((tries + 1))
    [ "$tries" -le 100 ] || fail "no /dev/vda1 after 10 s"
    sleep 0.1
done
mount -t ext4 -o rw /dev/vda1 /newroot || fail "cannot mount /dev/vda1"
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/init
INIT
    chmod 0755 "$root/init"
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$WORK/initrd.img"
}

build_root() {
    local root="$WORK/root"
    install_busybox "$root"
    mkdir -p "$root"/{boot/extlinux,dev,proc,sys,run,tmp,root,etc/kiln,mnt}
    chmod 0700 "$root/root"
    cp "$WORK/kernel/boot/vmlinuz-$KERNEL_VERSION" "$root/boot/vmlinuz"
    cp "$WORK/initrd.img" "$root/boot/initrd.img"
    echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
    echo "root:*:19000:0:99999:7:::" >"$root/etc/shadow"
    chmod 0600 "$root/etc/shadow"
    echo "kiln-template" >"$root/etc/hostname"

    cat >"$root/boot/extlinux/extlinux.conf" <<'CONF'
DEFAULT kiln
PROMPT 0
TIMEOUT 0
LABEL kiln
  LINUX /boot/vmlinuz
  INITRD /boot/initrd.img
  APPEND console=ttyS0,115200 loglevel=3
CONF

    write_user_data_parser "$root/etc/kiln/parse-user-data.awk"
    write_guest_init "$root/sbin/init"
}

# The awk program reads cloud-config user-data and prints hostname=, fqdn=, root-hash= and
# ssh-key= lines. It understands the shapes Kiln writes (hostname, fqdn, a users list with
# name, hashed_passwd and ssh_authorized_keys, top-level ssh_authorized_keys, chpasswd list
# entries "root:<hash>"), not YAML in general.
write_user_data_parser() {
    cat >"$1" <<'AWK'
function trim(value) {
    sub(/^[ \t]+/, "", value)
    sub(/[ \t\r]+$/, "", value)
    if (value ~ /^".*"$/ || value ~ /^'.*'$/) {
        value = substr(value, 2, length(value) - 2)
    }
    return value
}
function indent(line) {
    match(line, /^ */)
    return RLENGTH
}
function after_key(line) {
    sub(/^[ ]*(- )?[A-Za-z_]+:/, "", line)
    return trim(line)
}
BEGIN { user = "root"; in_keys = 0 }
{
    line = $0
    sub(/\r$/, "", line)
    if (line ~ /^[ \t]*(#.*)?$/) {
        next
    }
    if (in_keys) {
        if (line ~ /^[ ]*- / && indent(line) >= keys_indent && line !~ /^[ ]*- [A-Za-z_]+:( |$)/) {
            key = line
            sub(/^[ ]*- /, "", key)
            if (user == "root") {
                print "ssh-key=" trim(key)
            }
            next
        }
        in_keys = 0
    }
    if (line ~ /^hostname:/) {
        print "hostname=" after_key(line)
    } else if (line ~ /^fqdn:/) {
        print "fqdn=" after_key(line)
    } else if (line ~ /^[ ]*(- )?name:/) {
        user = after_key(line)
    } else if (line ~ /^[ ]*(- )?hashed_passwd:/) {
        if (user == "root") {
            print "root-hash=" after_key(line)
        }
    } else if (line ~ /^[ ]*(- )?ssh_authorized_keys:[ ]*$/) {
        if (indent(line) == 0) {
            user = "root"
        }
        in_keys = 1
        keys_indent = indent(line)
    } else if (line ~ /^[ ]*root:\$[0-9a-z]+\$/) {
        hash = trim(line)
        sub(/^root:/, "", hash)
        print "root-hash=" hash
    }
}
AWK
}

write_guest_init() {
    cat >"$1" <<'INIT'
#!/bin/sh
# Applies the NoCloud seed (hostname, root password hash, root SSH keys), prints what is now in
# place on the console, and powers off.
export PATH=/bin:/sbin
finish() {
    sync
    poweroff -f
}
fail() {
    echo "KILN-ERROR $*"
    finish
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /run/seed

seed=""
tries=0
until seed=$(findfs LABEL=cidata 2>/dev/null); do
    tries=$((tries + 1))
    [ "$tries" -le 100 ] || fail "no disk labelled cidata after 10 s"
    sleep 0.1
done
mount -t iso9660 -o ro "$seed" /run/seed || fail "cannot mount seed $seed"
[ -f /run/seed/meta-data ] || fail "seed has no meta-data"
[ -f /run/seed/user-data ] || fail "seed has no user-data"

instance_id=$(awk -F': *' '$1 == "instance-id" { print $2; exit }' /run/seed/meta-data | tr -d "\"'\r")
echo "KILN-APPLIED instance-id=$instance_id"

awk -f /etc/kiln/parse-user-data.awk /run/seed/user-data >/run/user-data.parsed \
    || fail "cannot parse user-data"

name=$(sed -n 's/^hostname=//p' /run/user-data.parsed | head -n 1)
[ -n "$name" ] || name=$(awk -F': *' '$1 == "local-hostname" { print $2; exit }' /run/seed/meta-data | tr -d "\"'\r")
if [ -n "$name" ]; then
    echo "$name" >/etc/hostname
    hostname "$name"
fi
echo "KILN-APPLIED hostname=$(hostname)"

hash=$(sed -n 's/^root-hash=//p' /run/user-data.parsed | tail -n 1)
if [ -n "$hash" ]; then
    awk -F: -v OFS=: -v hash="$hash" '$1 == "root" { $2 = hash } { print }' /etc/shadow >/etc/shadow.new
    mv /etc/shadow.new /etc/shadow
    chmod 0600 /etc/shadow
fi
awk -F: '$1 == "root" { print "KILN-APPLIED root-hash=" $2 }' /etc/shadow

mkdir -p /root/.ssh
chmod 0700 /root/.ssh
sed -n 's/^ssh-key=//p' /run/user-data.parsed >/root/.ssh/authorized_keys
chmod 0600 /root/.ssh/authorized_keys
while IFS= read -r key; do
    echo "KILN-APPLIED ssh-key=$key"
done </root/.ssh/authorized_keys

umount /run/seed
echo "KILN-DONE"
finish
INIT
    chmod 0755 "$1"
}

# Writes $WORK/disk.raw: an MBR with extlinux's boot code and one bootable ext4 partition.
build_disk() {
    local partition="$WORK/root.ext4" disk="$WORK/disk.raw"
    local offset=$((PARTITION_START_SECTOR * 512))

    # With the 1 KiB blocks that mke2fs picks for a file system this small, extlinux 6.04 failed
    # to load the kernel (I/O error), so the block size is set. 64bit and metadata_csum are off
    # because syslinux does not read them; that was not tried here.
    mkfs.ext4 -q -F -b 4096 -L kiln-root -O ^64bit,^metadata_csum -d "$WORK/root" "$partition" "${PARTITION_MIB}M"

    truncate -s $((offset + PARTITION_MIB * 1024 * 1024)) "$disk"
    echo "start=$PARTITION_START_SECTOR, type=83, bootable" | sfdisk -q "$disk"
    dd if="$partition" of="$disk" bs=1M seek=1 conv=notrunc status=none

    mkdir -p "$MOUNTPOINT"
    mount -o loop,offset="$offset" "$disk" "$MOUNTPOINT"
    extlinux --install "$MOUNTPOINT/boot/extlinux" >/dev/null
    umount "$MOUNTPOINT"
    dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
}

install_missing_packages
mkdir -p "$OUTDIR"
fetch_kernel
build_initramfs
build_root
build_disk
qemu-img convert -O qcow2 "$WORK/disk.raw" "$OUTPUT"
echo "make-test-template.sh: wrote $OUTPUT ($(du -h "$OUTPUT" | cut -f1), kernel $KERNEL_VERSION)"
