package dev.kiln.queue;

import dev.kiln.testing.Api;
import dev.kiln.testing.TestDatabases;
import dev.kiln.testing.TestKiln;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kiln serve} in a child JVM on 127.0.0.1 and a random port, for tests that run several
 * nodes or kill one. The child uses this JVM's class path, a PostgreSQL database given by
 * environment variables and {@link TestKiln#TOKEN} as its admin token; its output is kept.
 */
final class KilnProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("Kiln ready on https?://\\S+:(\\d+)");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final String nodeName;
    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final Thread reader;

    private KilnProcess(String nodeName, Process process) {
        this.nodeName = nodeName;
        this.process = process;
        this.reader = new Thread(this::readOutput, "kiln-child-" + nodeName);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a node; call {@link #awaitReady} before using its API.
     *
     * @param environment extra variables such as {@code KILN_WORKERS} or {@code KILN_LEASE_SECONDS}
     */
    static KilnProcess start(String nodeName, Path dataDir, Path inventory, TestDatabases.Credentials database,
            Map<String, String> environment) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "dev.kiln.Kiln", "serve",
                "--host", "127.0.0.1",
                "--port", "0",
                "--data-dir", dataDir.toString(),
                "--inventory", inventory.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("KILN_"));
        env.put("KILN_DB_URL", database.url());
        env.put("KILN_DB_USER", database.user());
        env.put("KILN_DB_PASSWORD", database.password());
        env.put("KILN_ADMIN_TOKEN", TestKiln.TOKEN);
        env.put("KILN_NODE_NAME", nodeName);
        env.putAll(environment);
        try {
            return new KilnProcess(nodeName, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("node " + nodeName + " could not be started", e);
        }
    }

    /** Waits for the ready line and returns the port; fails with the node's output if it does not come. */
    int awaitReady(Duration timeout) {
        try {
            return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("node " + nodeName + " not ready after " + timeout.toSeconds() + " s; output:\n" + outputText());
        } catch (ExecutionException e) {
            throw new AssertionError("node " + nodeName + " exited before it was ready; output:\n" + outputText());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for node " + nodeName);
        }
    }

    Api api() {
        return new Api("http://127.0.0.1:" + port.join(), TestKiln.TOKEN);
    }

    /** Returns the node's output lines so far, standard output and standard error merged. */
    List<String> output() {
        return List.copyOf(output);
    }

    String outputText() {
        return String.join("\n", output);
    }

    /** Kills the node at once, as a crash or {@code kill -9} would, and waits for it to end. */
    void kill() {
        // ProcessHandle signals the process without closing its output stream, so no line is lost.
        process.toHandle().destroyForcibly();
        waitForExit();
    }

    /** Stops the node with SIGTERM, as a service manager would, and kills it if it has not ended within 15 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.toHandle().destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.toHandle().destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.toHandle().destroyForcibly();
            Thread.currentThread().interrupt();
        }
        waitForExit();
    }

    /** Waits for the process to end and for its last output lines to be read. */
    private void waitForExit() {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("node " + nodeName + " (pid " + process.pid() + ") still running after it was killed");
            }
            reader.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.add(line);
                Matcher ready = READY.matcher(line);
                if (!port.isDone() && ready.find()) {
                    port.complete(Integer.parseInt(ready.group(1)));
                }
            }
        } catch (IOException e) {
            output.add("(reading the output failed: " + e.getMessage() + ")");
        }
        port.completeExceptionally(new IllegalStateException("node " + nodeName + " exited"));
    }
}
