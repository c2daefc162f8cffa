package dev.kiln.build;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import dev.kiln.http.Json;
import dev.kiln.network.Ipv4Address;
import dev.kiln.network.Ipv6Subnet;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The NoCloud seed of a build: {@code meta-data}, {@code user-data} (cloud-config) and
 * {@code network-config} (version 2). Documents are produced by a YAML serializer, so values
 * from users (names, keys, commands) can never break the YAML structure.
 */
public final class CloudInit {

    /** Longest hostname the guest gets; Linux limits {@code hostname} to 64 bytes. */
    static final int GUEST_HOSTNAME_MAX = 64;

    /**
     * Writes every value on one line. By default the YAML writer folds plain scalars longer than
     * 80 columns at a space and so moves an SSH key's comment to a line of its own. That is valid
     * YAML, but a line-oriented reader of the seed then sees a truncated key.
     */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .stringQuotingChecker(new Yaml11Quoting())
            .build());

    private CloudInit() {
    }

    /**
     * What the seed is made from.
     *
     * @param instanceId new on every build, so cloud-init runs its first-boot modules again
     * @param fqdn the server's hostname as requested (may exceed 64 bytes)
     * @param rootPasswordHash SHA-512-crypt hash of the new root password
     * @param sshKeys public keys to install for root: exactly these
     * @param swapMb swap file size in MiB, 0 for none
     */
    public record Seed(String instanceId, String fqdn, String rootPasswordHash, List<String> sshKeys, int swapMb,
            List<String> runcmd, String mac, List<Ipv4Address> ipv4, List<Ipv6Subnet> ipv6) {
    }

    /** The three seed files by name, UTF-8 encoded. */
    public static Map<String, byte[]> files(Seed seed) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("meta-data", metaData(seed).getBytes(StandardCharsets.UTF_8));
        files.put("user-data", userData(seed).getBytes(StandardCharsets.UTF_8));
        files.put("network-config", networkConfig(seed).getBytes(StandardCharsets.UTF_8));
        return files;
    }

    /** The guest's own hostname: the whole name when it fits in 64 bytes, else its first label. */
    static String guestHostname(String fqdn) {
        if (fqdn.getBytes(StandardCharsets.UTF_8).length <= GUEST_HOSTNAME_MAX) {
            return fqdn;
        }
        return fqdn.split("\\.", 2)[0];
    }

    static String metaData(Seed seed) {
        ObjectNode doc = Json.object();
        doc.put("instance-id", seed.instanceId());
        doc.put("local-hostname", guestHostname(seed.fqdn()));
        return yaml(doc);
    }

    static String userData(Seed seed) {
        ObjectNode doc = Json.object();
        doc.put("hostname", seed.fqdn().split("\\.", 2)[0]);
        doc.put("fqdn", seed.fqdn());
        doc.put("manage_etc_hosts", true);
        doc.put("disable_root", false);
        doc.put("ssh_pwauth", true);
        ObjectNode root = doc.putArray("users").addObject();
        root.put("name", "root");
        root.put("lock_passwd", false);
        root.put("hashed_passwd", seed.rootPasswordHash());
        ArrayNode keys = root.putArray("ssh_authorized_keys");
        seed.sshKeys().forEach(keys::add);
        if (seed.swapMb() > 0) {
            ObjectNode swap = doc.putObject("swap");
            swap.put("filename", "/swapfile");
            swap.put("size", (long) seed.swapMb() * 1024 * 1024);
            swap.put("maxsize", (long) seed.swapMb() * 1024 * 1024);
        }
        if (!seed.runcmd().isEmpty()) {
            ArrayNode runcmd = doc.putArray("runcmd");
            seed.runcmd().forEach(runcmd::add);
        }
        return "#cloud-config\n" + yaml(doc);
    }

    static String networkConfig(Seed seed) {
        ObjectNode doc = Json.object();
        doc.put("version", 2);
        ObjectNode nic = doc.putObject("ethernets").putObject("eth0");
        nic.putObject("match").put("macaddress", seed.mac());
        nic.put("set-name", "eth0");
        ArrayNode addresses = nic.putArray("addresses");
        seed.ipv4().forEach(a -> addresses.add(a.address() + "/" + a.prefixLength()));
        seed.ipv6().forEach(s -> addresses.add(s.address() + "/" + s.prefixLength()));
        ArrayNode routes = nic.putArray("routes");
        if (!seed.ipv4().isEmpty() && seed.ipv4().get(0).gateway() != null) {
            ObjectNode route = routes.addObject();
            route.put("to", "0.0.0.0/0");
            route.put("via", seed.ipv4().get(0).gateway());
            route.put("on-link", true);
        }
        if (!seed.ipv6().isEmpty() && seed.ipv6().get(0).gateway() != null) {
            ObjectNode route = routes.addObject();
            route.put("to", "::/0");
            route.put("via", seed.ipv6().get(0).gateway());
            route.put("on-link", true);
        }
        Set<String> resolvers = new LinkedHashSet<>();
        for (Ipv4Address a : seed.ipv4()) {
            addIfPresent(resolvers, a.resolver1());
            addIfPresent(resolvers, a.resolver2());
        }
        for (Ipv6Subnet s : seed.ipv6()) {
            addIfPresent(resolvers, s.resolver1());
            addIfPresent(resolvers, s.resolver2());
        }
        if (!resolvers.isEmpty()) {
            ArrayNode list = nic.putObject("nameservers").putArray("addresses");
            resolvers.forEach(list::add);
        }
        return yaml(doc);
    }

    private static void addIfPresent(Set<String> set, String value) {
        if (value != null && !value.isBlank()) {
            set.add(value);
        }
    }

    /**
     * Also quotes strings that YAML 1.1 reads as base-60 numbers. cloud-init parses the seed
     * with PyYAML, a YAML 1.1 reader, which turns an unquoted {@code 52:54:00:12:34:56} into an
     * integer; Jackson's default check only knows the YAML 1.2 number forms.
     */
    private static final class Yaml11Quoting extends StringQuotingChecker.Default {

        private static final Pattern SEXAGESIMAL = Pattern.compile("[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?");

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || SEXAGESIMAL.matcher(value).matches();
        }
    }

    private static String yaml(ObjectNode doc) {
        try {
            return YAML.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cloud-init document could not be serialized", e);
        }
    }
}
