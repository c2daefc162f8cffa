import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;

/**
 * The benchmark's raw baseline: Kiln's HTTP stack (Javalin on virtual threads, run by the same
 * JVM flags) returning {@code GET /raw} with a fixed JSON body of about 10 KB, serialized once at
 * start. It has no authentication, no database and no per-request JSON work, so its requests per
 * second are the ceiling that Kiln's routes are compared with.
 *
 * <p>Usage: {@code java -cp kiln.jar RawBaseline.java PORT}, where port 0 picks a free port. It
 * listens on 127.0.0.1 only and prints the URL once it is ready.
 */
public final class RawBaseline {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        byte[] body = body();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.routes.get("/raw", ctx -> ctx.status(200).contentType("application/json").result(body));
        });
        app.start("127.0.0.1", port);
        System.out.println("raw baseline ready on http://127.0.0.1:" + app.port() + "/raw (" + body.length + " bytes)");
        Thread.currentThread().join();
    }

    /** Builds a server-like object padded with 40 interface entries to about 10 KB. */
    private static byte[] body() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode data = mapper.createObjectNode();
        data.put("id", 1).put("name", "raw-baseline").put("state", "complete").put("uuid", "00000000-0000-4000-8000-000000000001");
        ArrayNode interfaces = data.putArray("interfaces");
        for (int i = 0; i < 40; i++) {
            ObjectNode nic = interfaces.addObject();
            nic.put("id", i).put("name", "eth" + i).put("mac", String.format("02:00:00:00:%02x:%02x", i / 256, i % 256));
            nic.put("address", "192.0.2." + (10 + i)).put("gateway", "192.0.2.1").put("netmask", "255.255.255.0");
            nic.put("inAverage", 12500).put("outAverage", 12500).put("enabled", true).put("type", "public");
            nic.put("resolver1", "192.0.2.53").put("resolver2", "192.0.2.54");
        }
        ObjectNode root = mapper.createObjectNode();
        root.set("data", data);
        return mapper.writeValueAsBytes(root);
    }
}
