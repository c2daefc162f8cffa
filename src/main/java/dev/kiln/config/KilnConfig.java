package dev.kiln.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kiln.KilnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kiln's settings: an optional YAML file, then {@code KILN_*} environment variables, then
 * command-line flags, each overriding the one before. Validated once, at start.
 *
 * @param host listen address
 * @param port listen port
 * @param dataDir directory for the H2 database and the secret key file
 * @param dbUrl PostgreSQL JDBC URL, or null for the embedded H2 database
 * @param adminToken token accepted at start (stored hashed), or null
 * @param workers build workers in this process
 * @param lease how long a claimed queue item stays reserved without a heartbeat
 * @param smtp mail settings, or null when mail is not configured
 */
public record KilnConfig(
        String host,
        int port,
        Path dataDir,
        String dbUrl,
        String dbUser,
        String dbPassword,
        int dbPoolSize,
        Path tlsCert,
        Path tlsKey,
        String adminToken,
        int workers,
        Duration lease,
        String nodeName,
        Smtp smtp) {

    /** Outgoing mail settings; {@code startTls} upgrades plain connections. */
    public record Smtp(String host, int port, String user, String password, String from, boolean startTls) {
    }

    /** Environment variable names, with the setting each one overrides. */
    static final Map<String, String> ENVIRONMENT = Map.ofEntries(
            Map.entry("KILN_HOST", "host"),
            Map.entry("KILN_PORT", "port"),
            Map.entry("KILN_DATA_DIR", "dataDir"),
            Map.entry("KILN_DB_URL", "db.url"),
            Map.entry("KILN_DB_USER", "db.user"),
            Map.entry("KILN_DB_PASSWORD", "db.password"),
            Map.entry("KILN_DB_POOL_SIZE", "db.poolSize"),
            Map.entry("KILN_TLS_CERT", "tls.cert"),
            Map.entry("KILN_TLS_KEY", "tls.key"),
            Map.entry("KILN_ADMIN_TOKEN", "adminToken"),
            Map.entry("KILN_WORKERS", "workers"),
            Map.entry("KILN_LEASE_SECONDS", "leaseSeconds"),
            Map.entry("KILN_NODE_NAME", "nodeName"),
            Map.entry("KILN_SMTP_HOST", "smtp.host"),
            Map.entry("KILN_SMTP_PORT", "smtp.port"),
            Map.entry("KILN_SMTP_USER", "smtp.user"),
            Map.entry("KILN_SMTP_PASSWORD", "smtp.password"),
            Map.entry("KILN_SMTP_FROM", "smtp.from"),
            Map.entry("KILN_SMTP_STARTTLS", "smtp.startTls"));

    /**
     * Resolves the settings.
     *
     * @param file YAML file with the same dotted keys nested, or null
     * @param env environment variables
     * @param flags settings from the command line, keyed like the YAML file
     */
    public static KilnConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            Map<String, String> fromFile = readYaml(file);
            for (String key : fromFile.keySet()) {
                if (!ENVIRONMENT.containsValue(key)) {
                    throw new KilnException("invalid configuration: " + file + " has unknown key '" + key + "'; known keys: "
                            + new java.util.TreeSet<>(ENVIRONMENT.values()));
                }
            }
            values.putAll(fromFile);
        }
        ENVIRONMENT.forEach((variable, key) -> {
            String value = env.get(variable);
            if (value != null && !value.isBlank()) {
                values.put(key, value.trim());
            }
        });
        values.putAll(flags);
        return from(new Settings(values));
    }

    private static KilnConfig from(Settings s) {
        Smtp smtp = null;
        int smtpPort = s.integer("smtp.port", 25, 1, 65535);
        boolean startTls = s.bool("smtp.startTls", false);
        if (s.text("smtp.host", null) != null) {
            smtp = new Smtp(s.text("smtp.host", null), smtpPort,
                    s.text("smtp.user", null), s.text("smtp.password", null),
                    s.text("smtp.from", "kiln@localhost"), startTls);
        }
        Path cert = s.path("tls.cert");
        Path key = s.path("tls.key");
        if ((cert == null) != (key == null)) {
            throw new KilnException("invalid configuration: tls.cert and tls.key (--tls-cert, --tls-key, "
                    + "KILN_TLS_CERT, KILN_TLS_KEY) must be given together");
        }
        for (Path pem : new Path[] {cert, key}) {
            if (pem != null && !Files.isReadable(pem)) {
                throw new KilnException("invalid configuration: TLS file " + pem + " is not readable");
            }
        }
        String dbUrl = s.text("db.url", null);
        if (dbUrl != null && !dbUrl.startsWith("jdbc:postgresql:") && !dbUrl.startsWith("jdbc:h2:")) {
            throw new KilnException("invalid configuration: db.url (KILN_DB_URL) must be a jdbc:postgresql: or jdbc:h2: URL");
        }
        return new KilnConfig(
                s.text("host", "0.0.0.0"),
                s.integer("port", 8080, 0, 65535),
                Path.of(s.text("dataDir", "data")),
                dbUrl,
                s.text("db.user", null),
                s.text("db.password", null),
                s.integer("db.poolSize", 16, 2, 500),
                cert,
                key,
                s.text("adminToken", null),
                s.integer("workers", 4, 0, 256),
                Duration.ofSeconds(s.integer("leaseSeconds", 30, 2, 3600)),
                s.text("nodeName", defaultNodeName()),
                smtp);
    }

    /** Describes the effective settings for the start-up log, with every secret masked. */
    public String describe() {
        return "host=" + host + " port=" + port + " dataDir=" + dataDir
                + " database=" + (dbUrl == null ? "h2 (embedded)" : maskUrl(dbUrl))
                + " tls=" + (tlsCert != null) + " adminToken=" + (adminToken == null ? "unset" : "****")
                + " workers=" + workers + " leaseSeconds=" + lease.toSeconds() + " node=" + nodeName
                + " smtp=" + (smtp == null ? "unset" : smtp.host() + ":" + smtp.port()
                        + (smtp.password() == null ? "" : " (password ****)"));
    }

    private static String maskUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1****");
    }

    /** Builds the default node name from the host name and this process's id, e.g. {@code node7-4242}. */
    private static String defaultNodeName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                host = "kiln";
            }
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    private static Map<String, String> readYaml(Path file) {
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
            Map<String, String> flat = new LinkedHashMap<>();
            flatten("", root, flat);
            return flat;
        } catch (IOException e) {
            throw new KilnException("configuration file " + file + " could not be read: " + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node == null || node.isNull()) {
            return;
        }
        if (node.isObject()) {
            node.properties().forEach(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else {
            out.put(prefix, node.asText());
        }
    }

    /** Typed access to the merged string settings, with messages that name the key. */
    private record Settings(Map<String, String> values) {

        String text(String key, String fallback) {
            String value = values.get(key);
            return value == null || value.isBlank() ? fallback : value;
        }

        Path path(String key) {
            String value = text(key, null);
            return value == null ? null : Path.of(value);
        }

        int integer(String key, int fallback, int min, int max) {
            String value = text(key, null);
            if (value == null) {
                return fallback;
            }
            try {
                int parsed = Integer.parseInt(value);
                if (parsed < min || parsed > max) {
                    throw new NumberFormatException();
                }
                return parsed;
            } catch (NumberFormatException e) {
                throw new KilnException("invalid configuration: " + key + " is '" + value
                        + "'; expected an integer from " + min + " to " + max);
            }
        }

        boolean bool(String key, boolean fallback) {
            String value = text(key, null);
            if (value == null) {
                return fallback;
            }
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> throw new KilnException("invalid configuration: " + key + " is '" + value + "'; expected true or false");
            };
        }
    }
}
