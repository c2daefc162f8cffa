package dev.kiln.hypervisors.libvirt;

import org.libvirt.Error;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/** Classifies the errors that libvirt reports through {@link LibvirtException}. */
final class LibvirtErrors {

    private LibvirtErrors() {
    }

    static boolean isDomainNotFound(LibvirtException e) {
        return hasCode(e, ErrorNumber.VIR_ERR_NO_DOMAIN);
    }

    static boolean isPoolNotFound(LibvirtException e) {
        return hasCode(e, ErrorNumber.VIR_ERR_NO_STORAGE_POOL);
    }

    static boolean isVolumeNotFound(LibvirtException e) {
        return hasCode(e, ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
    }

    /** True when the domain is in the wrong state for the call, such as "domain is not running". */
    static boolean isInvalidOperation(LibvirtException e) {
        return hasCode(e, ErrorNumber.VIR_ERR_OPERATION_INVALID);
    }

    static boolean isUnsupported(LibvirtException e) {
        return hasCode(e, ErrorNumber.VIR_ERR_NO_SUPPORT);
    }

    /** Returns libvirt's own message, or the error code when libvirt gave none. */
    static String message(LibvirtException e) {
        Error error = e.getError();
        if (error == null) {
            return String.valueOf(e.getMessage());
        }
        String message = error.getMessage();
        return message == null || message.isBlank() ? String.valueOf(error.getCode()) : message;
    }

    private static boolean hasCode(LibvirtException e, ErrorNumber code) {
        Error error = e.getError();
        return error != null && error.getCode() == code;
    }
}
