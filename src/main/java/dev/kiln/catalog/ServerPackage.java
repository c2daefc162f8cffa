package dev.kiln.catalog;

import java.time.OffsetDateTime;

/** A package: the resources a server gets and the OS template groups it offers. */
public record ServerPackage(
        long id,
        String name,
        String description,
        boolean enabled,
        int memoryMb,
        int cpuCores,
        int primaryStorageGb,
        int trafficGb,
        int networkSpeedIn,
        int networkSpeedOut,
        OffsetDateTime created) {
}
