package dev.kiln.catalog;

import java.util.List;

/**
 * An OS template: where its image comes from and what cloud-init runs on first boot.
 *
 * @param key the inventory's stable name for the template
 * @param runcmd commands for cloud-init's {@code runcmd}, in order
 */
public record OsTemplate(
        long id,
        String key,
        long groupId,
        String name,
        String version,
        String variant,
        int arch,
        String type,
        String description,
        String icon,
        String sourceUrl,
        List<String> runcmd,
        boolean vnc,
        boolean eol,
        boolean enabled) {

    /** Human-readable name such as "Debian 12 (Bookworm) Minimal". */
    public String displayName() {
        StringBuilder out = new StringBuilder(name);
        if (version != null && !version.isBlank()) {
            out.append(' ').append(version);
        }
        if (variant != null && !variant.isBlank()) {
            out.append(' ').append(variant);
        }
        return out.toString();
    }

    /** Name of the template's volume in a hypervisor's storage pool. */
    public String volumeName() {
        return "kiln-template-" + key + ".qcow2";
    }
}
