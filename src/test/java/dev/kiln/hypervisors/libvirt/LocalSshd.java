package dev.kiln.hypervisors.libvirt;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private OpenSSH server on 127.0.0.1 for the qemu+ssh transport test. Its host key, client
 * key, authorized_keys and configuration live in a temporary directory; the machine's own sshd
 * configuration and keys are not used.
 *
 * <p>libvirt's {@code no_verify=1} makes the ssh client accept the unknown host key and append it
 * to root's {@code ~/.ssh/known_hosts}. The server saves that file on start and restores it on
 * close.
 */
final class LocalSshd implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    private static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Path KNOWN_HOSTS = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");

    private final Process process;
    private final int port;
    private final Path clientKey;
    private final byte[] savedKnownHosts;

    private LocalSshd(Process process, int port, Path clientKey, byte[] savedKnownHosts) {
        this.process = process;
        this.port = port;
        this.clientKey = clientKey;
        this.savedKnownHosts = savedKnownHosts;
    }

    static boolean installed() {
        return Files.isExecutable(SSHD) && Files.isExecutable(Path.of("/usr/bin/ssh-keygen"));
    }

    /** Starts sshd on {@code 127.0.0.1:port} with keys in {@code dir} and waits until it accepts. */
    static LocalSshd start(Path dir, int port) throws IOException, InterruptedException {
        Path hostKey = dir.resolve("host_ed25519");
        Path clientKey = dir.resolve("client_ed25519");
        generateKey(hostKey);
        generateKey(clientKey);
        Files.copy(dir.resolve("client_ed25519.pub"), dir.resolve("authorized_keys"));

        Path config = dir.resolve("sshd_config");
        Files.write(config, List.of(
                "Port " + port,
                "ListenAddress " + HOST,
                "HostKey " + hostKey,
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                // The temporary directory sits under the world-writable /tmp.
                "StrictModes no"));

        // sshd refuses to start without its privilege separation directory.
        Files.createDirectories(Path.of("/run/sshd"));
        byte[] savedKnownHosts = Files.exists(KNOWN_HOSTS) ? Files.readAllBytes(KNOWN_HOSTS) : null;
        Process process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.log").toFile())
                .start();
        LocalSshd sshd = new LocalSshd(process, port, clientKey, savedKnownHosts);
        try {
            await("sshd accepting on " + HOST + ":" + port)
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> sshd.accepts() || !process.isAlive());
            if (!process.isAlive()) {
                throw new IOException("sshd exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("sshd.log")));
            }
        } catch (IOException | RuntimeException e) {
            sshd.close();
            throw e;
        }
        return sshd;
    }

    /** Returns the libvirt URI of the local system daemon, reached through this sshd. */
    String libvirtUri() {
        return "qemu+ssh://root@" + HOST + ":" + port + "/system?keyfile=" + clientKey + "&no_verify=1";
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void generateKey(Path file) throws IOException, InterruptedException {
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", file.toString())
                .redirectErrorStream(true)
                .start();
        if (!keygen.waitFor(30, TimeUnit.SECONDS) || keygen.exitValue() != 0) {
            keygen.destroyForcibly();
            throw new IOException("ssh-keygen failed for " + file + ": "
                    + new String(keygen.getInputStream().readAllBytes()));
        }
    }

    /** Stops this sshd (by its own process handle) and restores root's known_hosts. */
    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        if (savedKnownHosts == null) {
            Files.deleteIfExists(KNOWN_HOSTS);
        } else {
            Files.write(KNOWN_HOSTS, savedKnownHosts);
        }
    }
}
