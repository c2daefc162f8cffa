package dev.kiln.hypervisors.libvirt;

import dev.kiln.hypervisors.DriverException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a NoCloud seed: an ISO 9660 image with volume label {@code cidata}, Joliet and Rock
 * Ridge, holding the given files at its root.
 *
 * <p>No maintained Java library writes ISO 9660 with both extensions, so this runs
 * {@code genisoimage} (Debian package {@code genisoimage}) or, when that is absent,
 * {@code xorriso -as mkisofs} (package {@code xorriso}) on the Kiln host.
 */
final class SeedIso {

    private static final Logger log = LoggerFactory.getLogger(SeedIso.class);

    static final String VOLUME_LABEL = "cidata";

    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int MAX_STDERR_CHARS = 2000;

    private final Duration timeout;

    SeedIso(Duration timeout) {
        this.timeout = timeout;
    }

    /** Returns the ISO image holding {@code files} (file name to content). */
    byte[] build(Map<String, byte[]> files) {
        validate(files);
        List<String> tool = findTool().orElseThrow(() -> new DriverException(
                "building the seed ISO failed: neither genisoimage nor xorriso is installed on the"
                        + " Kiln host; install the Debian package genisoimage"));

        Path work = null;
        try {
            work = Files.createTempDirectory("kiln-seed-");
            Path root = Files.createDirectory(work.resolve("root"));
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Files.write(root.resolve(file.getKey()), file.getValue());
            }
            Path iso = work.resolve("seed.iso");
            run(tool, iso, root, work.resolve("stderr.txt"));
            return Files.readAllBytes(iso);
        } catch (IOException e) {
            throw new DriverException("building the seed ISO failed: " + e.getMessage(), e);
        } finally {
            deleteRecursively(work);
        }
    }

    private void run(List<String> tool, Path iso, Path root, Path stderr) throws IOException {
        List<String> command = new ArrayList<>(tool);
        command.addAll(List.of("-quiet", "-output", iso.toString(), "-volid", VOLUME_LABEL,
                "-joliet", "-rock", root.toString()));
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile())
                .start();

        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DriverException("building the seed ISO was interrupted", e);
        }
        if (!finished) {
            process.destroyForcibly();
            throw new DriverException("building the seed ISO with " + tool.get(0) + " timed out after "
                    + LibvirtSession.describe(timeout));
        }
        if (process.exitValue() != 0) {
            throw new DriverException("building the seed ISO with " + tool.get(0) + " failed (exit "
                    + process.exitValue() + "): " + tail(stderr));
        }
    }

    private static void validate(Map<String, byte[]> files) {
        if (files == null || files.isEmpty()) {
            throw new DriverException("seed is invalid: it needs at least meta-data and user-data");
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            if (!FILE_NAME.matcher(file.getKey()).matches()) {
                throw new DriverException("seed file name '" + file.getKey() + "' is invalid: use"
                        + " letters, digits, '.', '_' and '-', starting with a letter or digit");
            }
            if (file.getValue() == null) {
                throw new DriverException("seed file '" + file.getKey() + "' has no content");
            }
        }
    }

    private static Optional<List<String>> findTool() {
        if (onPath("genisoimage")) {
            return Optional.of(List.of("genisoimage"));
        }
        if (onPath("xorriso")) {
            return Optional.of(List.of("xorriso", "-as", "mkisofs"));
        }
        return Optional.empty();
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static String tail(Path stderr) {
        try {
            String text = Files.readString(stderr, StandardCharsets.UTF_8).strip();
            if (text.length() <= MAX_STDERR_CHARS) {
                return text;
            }
            return "…" + text.substring(text.length() - MAX_STDERR_CHARS);
        } catch (IOException e) {
            return "(stderr unreadable: " + e.getMessage() + ")";
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // A leftover temporary directory is harmless because the seed is already read.
            log.warn("deleting temporary seed directory {} failed: {}", dir, e.toString());
        }
    }
}
