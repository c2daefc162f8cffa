package dev.kiln.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

/**
 * Laravel's length-aware paginator, which VirtFusion lists use: {@code current_page},
 * {@code data}, {@code per_page}, {@code total}, {@code last_page} and the page links.
 * Query parameters {@code page} (from 1) and {@code results} (1 to 200, default 20).
 */
public record Paginator(int page, int perPage) {

    public static final int DEFAULT_RESULTS = 20;
    public static final int MAX_RESULTS = 200;

    /** Reads {@code page} and {@code results}; values out of range fall back to the defaults. */
    public static Paginator of(Context ctx) {
        return new Paginator(parse(ctx.queryParam("page"), 1, 1, Integer.MAX_VALUE),
                parse(ctx.queryParam("results"), DEFAULT_RESULTS, 1, MAX_RESULTS));
    }

    public long offset() {
        return (long) (page - 1) * perPage;
    }

    /** Builds the paginated body around one page of rows. */
    public ObjectNode body(Context ctx, ArrayNode rows, long total) {
        int lastPage = (int) Math.max(1, (total + perPage - 1) / perPage);
        String path = ctx.scheme() + "://" + ctx.host() + ctx.path();
        ObjectNode out = Json.object();
        out.put("current_page", page);
        out.set("data", rows);
        out.put("first_page_url", pageUrl(path, 1));
        if (rows.isEmpty()) {
            out.putNull("from");
        } else {
            out.put("from", offset() + 1);
        }
        out.put("last_page", lastPage);
        out.put("last_page_url", pageUrl(path, lastPage));
        ArrayNode links = out.putArray("links");
        link(links, page > 1 ? pageUrl(path, page - 1) : null, "&laquo; Previous", false);
        for (int i = 1; i <= lastPage && i <= 10; i++) {
            link(links, pageUrl(path, i), Integer.toString(i), i == page);
        }
        link(links, page < lastPage ? pageUrl(path, page + 1) : null, "Next &raquo;", false);
        putUrl(out, "next_page_url", page < lastPage ? pageUrl(path, page + 1) : null);
        out.put("path", path);
        out.put("per_page", perPage);
        putUrl(out, "prev_page_url", page > 1 ? pageUrl(path, page - 1) : null);
        if (rows.isEmpty()) {
            out.putNull("to");
        } else {
            out.put("to", offset() + rows.size());
        }
        out.put("total", total);
        return out;
    }

    private String pageUrl(String path, int target) {
        return path + "?results=" + perPage + "&page=" + target;
    }

    private static void link(ArrayNode links, String url, String label, boolean active) {
        ObjectNode link = links.addObject();
        putUrl(link, "url", url);
        link.put("label", label);
        link.put("active", active);
    }

    private static void putUrl(ObjectNode node, String key, String url) {
        if (url == null) {
            node.putNull(key);
        } else {
            node.put(key, url);
        }
    }

    private static int parse(String raw, int fallback, int min, int max) {
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.strip());
            return value < min || value > max ? fallback : value;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Convenience for a list already fully in memory. */
    public ObjectNode bodyOf(Context ctx, java.util.List<? extends JsonNode> all) {
        ArrayNode rows = Json.array();
        all.stream().skip(offset()).limit(perPage).forEach(rows::add);
        return body(ctx, rows, all.size());
    }
}
