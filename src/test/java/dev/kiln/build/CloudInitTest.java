package dev.kiln.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kiln.network.Ipv4Address;
import dev.kiln.network.Ipv6Subnet;
import dev.kiln.security.Passwords;
import dev.kiln.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

class CloudInitTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String PASSWORD = "Tr7kPq2xWm9ZaB4cD5eF";
    private static final String MAC = "02:1a:2b:3c:4d:5e";
    private static final Ipv4Address IPV4 = new Ipv4Address(1, 1, "192.0.2.10", 1, "192.0.2.1", "255.255.255.0",
            "192.0.2.53", "192.0.2.54", null);
    private static final Ipv6Subnet IPV6 = new Ipv6Subnet(1, 2, "2001:db8:77:1::", 64, "2001:db8:77:1::1", "2001:db8:77::1",
            "2001:db8:77::53", null);

    @Test
    void metaDataHasInstanceIdAndHostname() {
        JsonNode meta = parse(CloudInit.files(seed("web1.example.com")).get("meta-data"));

        assertThat(meta.path("instance-id").asText()).isEqualTo("uuid-1-7");
        assertThat(meta.path("local-hostname").asText()).isEqualTo("web1.example.com");
    }

    @Test
    void longHostnameCutToFirstLabel() {
        String label = "a".repeat(63);
        JsonNode meta = parse(CloudInit.files(seed(label + ".example.com")).get("meta-data"));

        String local = meta.path("local-hostname").asText();
        assertThat(local).isEqualTo(label);
        assertThat(local.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);
    }

    @Test
    void hostnameOf64BytesKeptWhole() {
        String fqdn = "a".repeat(52) + ".example.com";
        assertThat(fqdn).hasSize(64);

        JsonNode meta = parse(CloudInit.files(seed(fqdn)).get("meta-data"));

        assertThat(meta.path("local-hostname").asText()).isEqualTo(fqdn);
    }

    @Test
    void userDataStartsWithCloudConfig() {
        String text = new String(CloudInit.files(seed("web1.example.com")).get("user-data"), StandardCharsets.UTF_8);

        assertThat(text).startsWith("#cloud-config\n");
    }

    @Test
    void userDataRootHashMatchesPassword() {
        JsonNode user = parse(CloudInit.files(seed("web1.example.com")).get("user-data"));

        assertThat(user.path("users")).hasSize(1);
        JsonNode root = user.path("users").get(0);
        assertThat(root.path("name").asText()).isEqualTo("root");
        assertThat(root.path("lock_passwd").asBoolean(true)).isFalse();
        assertThat(root.path("hashed_passwd").asText()).startsWith("$6$");
        assertThat(Passwords.matchesSha512Crypt(PASSWORD, root.path("hashed_passwd").asText())).isTrue();
        assertThat(Passwords.matchesSha512Crypt("wrong-password", root.path("hashed_passwd").asText())).isFalse();
    }

    @Test
    void userDataNeverContainsPassword() {
        String text = new String(CloudInit.files(seed("web1.example.com")).get("user-data"), StandardCharsets.UTF_8);

        assertThat(text).doesNotContain(PASSWORD);
    }

    @Test
    void userDataHasExactlyChosenKeys() {
        CloudInit.Seed seed = new CloudInit.Seed("id", "web1", Passwords.sha512Crypt(PASSWORD),
                List.of(Fixtures.ED25519_A, Fixtures.ED25519_C), 0, List.of(), MAC, List.of(IPV4), List.of());

        JsonNode user = parse(CloudInit.files(seed).get("user-data"));

        assertThat(texts(user.path("users").get(0).path("ssh_authorized_keys")))
                .containsExactly(Fixtures.ED25519_A, Fixtures.ED25519_C);
        assertThat(user.has("ssh_authorized_keys")).isFalse();
        assertThat(user.has("ssh_keys")).isFalse();
        assertThat(user.has("ssh_import_id")).isFalse();
    }

    @Test
    void userDataKeepsEachKeyOnOneLine() {
        String rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + "C".repeat(300) + " dave@build-host.example.com";
        CloudInit.Seed seed = new CloudInit.Seed("id", "web1", Passwords.sha512Crypt(PASSWORD),
                List.of(Fixtures.ED25519_A, rsa), 0, List.of(), MAC, List.of(IPV4), List.of());

        List<String> lines = new String(CloudInit.files(seed).get("user-data"), StandardCharsets.UTF_8).lines().toList();

        assertThat(lines).as("user-data lines").anyMatch(line -> line.strip().equals("- " + Fixtures.ED25519_A));
        assertThat(lines).as("user-data lines").anyMatch(line -> line.strip().equals("- " + rsa));
    }

    @Test
    void userDataWithoutKeysHasEmptyList() {
        JsonNode user = parse(CloudInit.files(seed("web1")).get("user-data"));

        assertThat(user.path("users").get(0).path("ssh_authorized_keys").isArray()).isTrue();
        assertThat(user.path("users").get(0).path("ssh_authorized_keys")).isEmpty();
    }

    @Test
    void swapAbsentWhenZero() {
        JsonNode user = parse(CloudInit.files(seed("web1")).get("user-data"));

        assertThat(user.has("swap")).isFalse();
    }

    @Test
    void swapSizeInBytes() {
        CloudInit.Seed seed = new CloudInit.Seed("id", "web1", Passwords.sha512Crypt(PASSWORD), List.of(), 1536,
                List.of(), MAC, List.of(IPV4), List.of());

        JsonNode swap = parse(CloudInit.files(seed).get("user-data")).path("swap");

        assertThat(swap.path("filename").asText()).isEqualTo("/swapfile");
        assertThat(swap.path("size").asLong()).isEqualTo(1536L * 1024 * 1024);
        assertThat(swap.path("maxsize").asLong()).isEqualTo(1536L * 1024 * 1024);
    }

    @Test
    void runcmdAsTemplate() {
        CloudInit.Seed seed = new CloudInit.Seed("id", "web1", Passwords.sha512Crypt(PASSWORD), List.of(), 0,
                List.of("apt-get update", "echo done > /root/first-boot"), MAC, List.of(IPV4), List.of());

        JsonNode user = parse(CloudInit.files(seed).get("user-data"));

        assertThat(texts(user.path("runcmd"))).containsExactly("apt-get update", "echo done > /root/first-boot");
    }

    @Test
    void runcmdAbsentWhenTemplateHasNone() {
        JsonNode user = parse(CloudInit.files(seed("web1")).get("user-data"));

        assertThat(user.has("runcmd")).isFalse();
    }

    @Test
    void hostnameSplitIntoHostAndFqdn() {
        JsonNode user = parse(CloudInit.files(seed("web1.example.com")).get("user-data"));

        assertThat(user.path("hostname").asText()).isEqualTo("web1");
        assertThat(user.path("fqdn").asText()).isEqualTo("web1.example.com");
    }

    /**
     * cloud-init reads the seed with PyYAML, which resolves plain scalars by YAML 1.1 rules
     * ({@code no} is false, {@code 1:30} is 90). SnakeYAML follows the same rules, so values
     * that come back as other types here would reach the guest changed.
     */
    @Test
    void userValuesStayStringsInYaml11() {
        List<String> commands = List.of("echo: hi", "yes", "no", "0x1f", "1:30", "- rm -rf /", "#comment", "key: {a: 1}",
                "line one\nline two", "null", "~", "3.0", "0o17", "'quoted'", "\"double\"");
        CloudInit.Seed seed = new CloudInit.Seed("id", "no", Passwords.sha512Crypt(PASSWORD),
                List.of("ssh-ed25519 AAAAC3 comment: with colon"), 0, commands, MAC, List.of(IPV4), List.of());

        Map<String, Object> user = yaml11(CloudInit.files(seed).get("user-data"));
        Map<String, Object> meta = yaml11(CloudInit.files(seed).get("meta-data"));

        assertThat(user.get("runcmd")).isEqualTo(commands);
        assertThat(user.get("hostname")).isEqualTo("no");
        assertThat(user.get("fqdn")).isEqualTo("no");
        assertThat(meta.get("local-hostname")).isEqualTo("no");
        assertThat(user.get("users")).asString().contains("comment: with colon");
    }

    @Test
    void macStaysStringInYaml11() {
        CloudInit.Seed seed = new CloudInit.Seed("id", "web1", Passwords.sha512Crypt(PASSWORD), List.of(), 0, List.of(),
                "52:54:00:12:34:56", List.of(IPV4), List.of());

        Map<String, Object> network = yaml11(CloudInit.files(seed).get("network-config"));

        assertThat(network.get("ethernets")).asString().contains("macaddress=52:54:00:12:34:56");
    }

    @Test
    void networkConfigMatchesMac() {
        JsonNode nic = parse(CloudInit.files(seed("web1")).get("network-config")).path("ethernets").path("eth0");

        assertThat(nic.path("match").path("macaddress").asText()).isEqualTo(MAC);
        assertThat(nic.path("set-name").asText()).isEqualTo("eth0");
    }

    @Test
    void networkConfigIsVersion2() {
        JsonNode network = parse(CloudInit.files(seed("web1")).get("network-config"));

        assertThat(network.path("version").asInt()).isEqualTo(2);
        assertThat(network.path("ethernets").size()).isEqualTo(1);
    }

    @Test
    void networkConfigHasIpv4AndRoute() {
        JsonNode nic = parse(CloudInit.files(seed("web1")).get("network-config")).path("ethernets").path("eth0");

        assertThat(texts(nic.path("addresses"))).containsExactly("192.0.2.10/24");
        assertThat(nic.path("routes")).hasSize(1);
        assertThat(nic.path("routes").get(0).path("to").asText()).isEqualTo("0.0.0.0/0");
        assertThat(nic.path("routes").get(0).path("via").asText()).isEqualTo("192.0.2.1");
        assertThat(texts(nic.path("nameservers").path("addresses"))).containsExactly("192.0.2.53", "192.0.2.54");
    }

    @Test
    void networkConfigHasIpv6WhenGiven() {
        CloudInit.Seed seed = new CloudInit.Seed("id", "web1", Passwords.sha512Crypt(PASSWORD), List.of(), 0, List.of(),
                MAC, List.of(IPV4), List.of(IPV6));

        JsonNode nic = parse(CloudInit.files(seed).get("network-config")).path("ethernets").path("eth0");

        assertThat(texts(nic.path("addresses"))).containsExactly("192.0.2.10/24", "2001:db8:77:1::1/64");
        assertThat(nic.path("routes")).hasSize(2);
        assertThat(nic.path("routes").get(1).path("to").asText()).isEqualTo("::/0");
        assertThat(nic.path("routes").get(1).path("via").asText()).isEqualTo("2001:db8:77::1");
        assertThat(texts(nic.path("nameservers").path("addresses")))
                .containsExactly("192.0.2.53", "192.0.2.54", "2001:db8:77::53");
    }

    @Test
    void networkConfigHasNoIpv6RouteWithoutIpv6() {
        JsonNode nic = parse(CloudInit.files(seed("web1")).get("network-config")).path("ethernets").path("eth0");

        assertThat(nic.path("routes").findValuesAsText("to")).containsExactly("0.0.0.0/0");
        assertThat(texts(nic.path("addresses"))).noneMatch(a -> a.contains(":"));
    }

    @Test
    void networkConfigIpv6StaysStringInYaml11() {
        CloudInit.Seed seed = new CloudInit.Seed("id", "web1", Passwords.sha512Crypt(PASSWORD), List.of(), 0, List.of(),
                MAC, List.of(IPV4), List.of(IPV6));

        Map<String, Object> network = yaml11(CloudInit.files(seed).get("network-config"));

        assertThat(network.get("ethernets")).asString()
                .contains("to=::/0", "via=2001:db8:77::1", "2001:db8:77:1::1/64", "macaddress=" + MAC);
    }

    private static CloudInit.Seed seed(String fqdn) {
        return new CloudInit.Seed("uuid-1-7", fqdn, Passwords.sha512Crypt(PASSWORD), List.of(), 0, List.of(), MAC,
                List.of(IPV4), List.of());
    }

    private static JsonNode parse(byte[] document) {
        try {
            return YAML.readTree(document);
        } catch (IOException e) {
            throw new AssertionError("seed file is not valid YAML: " + new String(document, StandardCharsets.UTF_8), e);
        }
    }

    private static Map<String, Object> yaml11(byte[] document) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(document, StandardCharsets.UTF_8));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }
}
