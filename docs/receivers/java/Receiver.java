// A DataChonk webhook receiver with the JDK's HTTP server and Jackson (com.fasterxml.jackson.core:jackson-databind).
//   DATACHONK_WEBHOOK_SECRET=whsec_… java -cp jackson-databind.jar:jackson-core.jar:jackson-annotations.jar Receiver.java
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class Receiver {
    static final byte[] SECRET = Objects.requireNonNull(System.getenv("DATACHONK_WEBHOOK_SECRET"),
            "set DATACHONK_WEBHOOK_SECRET to the webhook signing secret").getBytes(StandardCharsets.UTF_8);
    static final Set<String> HANDLED = ConcurrentHashMap.newKeySet(); // keep them in your database in production
    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(Objects.requireNonNullElse(System.getenv("PORT"), "3000"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/webhooks/datachonk", Receiver::webhook);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        System.out.printf("Listening on http://localhost:%d/webhooks/datachonk%n", server.getAddress().getPort());
    }

    static void webhook(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                answer(exchange, 405, "{\"error\":\"method not allowed\"}");
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes(); // the raw bytes, as signed
            // Lowercase hex, as DataChonk writes it (not String.format("%02X") or printHexBinary: uppercase).
            byte[] expected = ("sha256=" + HexFormat.of().formatHex(hmac(body))).getBytes(StandardCharsets.US_ASCII);
            // The header as the bytes received (the JDK reads them as ISO-8859-1); isEqual is constant time.
            String header = Objects.requireNonNullElse(exchange.getRequestHeaders().getFirst("X-DataChonk-Signature"), "");
            if (!MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.ISO_8859_1))) {
                answer(exchange, 401, "{\"error\":\"invalid signature\"}");
                return;
            }
            JsonNode event;
            try {
                event = JSON.readTree(body);
            } catch (IOException notJson) {
                answer(exchange, 400, "{\"error\":\"the body is not JSON\"}");
                return;
            }
            if (event == null || !event.path("id").isTextual()) {
                answer(exchange, 400, "{\"error\":\"not a DataChonk event\"}");
                return;
            }
            String id = event.get("id").asText(), type = event.path("event").asText();
            // DataChonk retries a delivery that failed: the same event may come twice. Handle it once.
            if (HANDLED.add(id)) {
                // Your code goes here, by type; ignore the types you do not know. Slow work: an executor or a queue.
                System.out.println(type + " " + id + ": verified, handled");
            } else {
                System.out.println(type + " " + id + ": a repeat, already handled");
            }
            answer(exchange, 200, "{\"received\":true}");
        }
    }

    static byte[] hmac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
