package dev.kiln.hypervisors.libvirt;

import dev.kiln.hypervisors.DriverException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Fetches a template image from its {@code file:} or {@code http(s):} source URL onto the Kiln host. */
final class TemplateSource {

    private final HttpClient http;

    TemplateSource(Duration connectTimeout) {
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * A local copy of a template image.
     *
     * @param path the image file
     * @param temporary true when the caller must delete {@code path} after use
     */
    record LocalImage(Path path, boolean temporary) {

        void deleteIfTemporary() throws IOException {
            if (temporary) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * Returns a local file with the image: the file itself for a {@code file:} URL, or a
     * temporary download for {@code http(s):}, finished within {@code timeout}.
     */
    LocalImage fetch(String sourceUrl, Duration timeout) throws IOException, InterruptedException {
        URI uri = parse(sourceUrl);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            Path path = Path.of(uri);
            if (!Files.isRegularFile(path)) {
                throw new DriverException("template source " + sourceUrl + " is not a readable file");
            }
            return new LocalImage(path, false);
        }

        Path download = Files.createTempFile("kiln-template-", ".img");
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
            // The request time-out covers only the wait for the headers, so the whole transfer
            // gets its own deadline here.
            CompletableFuture<HttpResponse<Path>> exchange =
                    http.sendAsync(request, HttpResponse.BodyHandlers.ofFile(download));
            HttpResponse<Path> response;
            try {
                response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                exchange.cancel(true);
                throw new DriverException("fetching template from " + redacted(uri) + " timed out after "
                        + LibvirtSession.describe(timeout));
            } catch (ExecutionException e) {
                throw new IOException("fetching template from " + redacted(uri) + " failed: "
                        + e.getCause(), e.getCause());
            }
            if (response.statusCode() != 200) {
                throw new DriverException("fetching template from " + redacted(uri) + " failed: HTTP "
                        + response.statusCode());
            }
            return new LocalImage(download, true);
        } catch (IOException | InterruptedException | RuntimeException e) {
            Files.deleteIfExists(download);
            throw e;
        }
    }

    private static URI parse(String sourceUrl) {
        if (sourceUrl == null || sourceUrl.isBlank()) {
            throw new DriverException("template source URL is missing");
        }
        URI uri;
        try {
            uri = new URI(sourceUrl);
        } catch (URISyntaxException e) {
            throw new DriverException("template source URL is invalid: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("file") && !scheme.equals("http") && !scheme.equals("https")) {
            throw new DriverException("template source URL " + redacted(uri)
                    + " is not supported: use a file:, http: or https: URL");
        }
        return uri;
    }

    /** Returns the URL without user info and query, which may carry tokens. */
    static String redacted(String sourceUrl) {
        try {
            return redacted(new URI(sourceUrl));
        } catch (URISyntaxException e) {
            return "(invalid URL)";
        }
    }

    private static String redacted(URI uri) {
        String host = uri.getHost() == null ? "" : uri.getHost();
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        String path = uri.getPath() == null ? "" : uri.getPath();
        return uri.getScheme() + "://" + host + port + path;
    }
}
