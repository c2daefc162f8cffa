package dev.kiln.hypervisors.libvirt;

import java.util.Optional;

/** Disk image formats that the driver stores in a pool. */
enum ImageFormat {
    RAW("raw"),
    QCOW2("qcow2");

    private final String libvirtName;

    ImageFormat(String libvirtName) {
        this.libvirtName = libvirtName;
    }

    /** Returns the name used in libvirt's {@code <format type='…'/>} and in QEMU's {@code -f} option. */
    String libvirtName() {
        return libvirtName;
    }

    static Optional<ImageFormat> fromLibvirtName(String name) {
        for (ImageFormat format : values()) {
            if (format.libvirtName.equals(name)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }
}
