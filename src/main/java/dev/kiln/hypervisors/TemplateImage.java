package dev.kiln.hypervisors;

/**
 * An OS template's disk image as the hypervisor sees it.
 *
 * @param templateId catalog id of the template
 * @param volumeName name of the template's volume in the host's storage pool
 * @param sourceUrl where to fetch the image when the pool lacks it ({@code file:}, {@code http(s):})
 */
public record TemplateImage(long templateId, String volumeName, String sourceUrl) {
}
