package dev.kiln.queue;

/** Queue item action names, as VirtFusion shows them in {@code action}. */
public final class Actions {

    public static final String BUILD = "build_server";
    public static final String BOOT = "boot_server";
    public static final String SHUTDOWN = "shutdown_server";
    public static final String RESTART = "restart_server";
    public static final String POWEROFF = "poweroff_server";
    public static final String DELETE = "delete_server";
    public static final String SUSPEND = "suspend_server";
    public static final String RESET_PASSWORD = "reset_password";

    private Actions() {
    }

    static String jobName(String action) {
        return switch (action) {
            case BUILD -> "Kiln\\Jobs\\Server\\Build";
            case BOOT, SHUTDOWN, RESTART, POWEROFF, SUSPEND -> "Kiln\\Jobs\\Server\\Power";
            case DELETE -> "Kiln\\Jobs\\Server\\Delete";
            default -> "Kiln\\Jobs\\Server\\" + action;
        };
    }
}
