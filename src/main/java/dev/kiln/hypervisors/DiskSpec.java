package dev.kiln.hypervisors;

/**
 * A server's primary disk.
 *
 * @param serverUuid the server's uuid, which names the volume ({@code <uuid>_1})
 * @param template the template the disk starts from
 * @param capacityGb size in GiB after the resize
 */
public record DiskSpec(String serverUuid, TemplateImage template, int capacityGb) {

    public String volumeName() {
        return serverUuid + "_1";
    }
}
