package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Headless Chromium through chromedriver's W3C WebDriver HTTP API, with java.net.http and Jackson
 * only: the few commands the explorer test needs do not justify Selenium's dependency tree.
 * Chromium runs without sandbox, GPU or background networking (this machine has no network), with
 * a fresh profile folder.
 */
final class Chromedriver implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium"), DRIVER = Path.of("/usr/bin/chromedriver");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process driver;
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();
    private String session;

    private Chromedriver(Process driver, String base) {
        this.driver = driver;
        this.base = base;
    }

    /** Why the browser cannot run here, or null when it can. */
    static String missing() {
        if (!Files.isExecutable(CHROMIUM)) return CHROMIUM + " missing (apt-get install chromium chromium-driver)";
        if (!Files.isExecutable(DRIVER)) return DRIVER + " missing (apt-get install chromium-driver)";
        return null;
    }

    static Chromedriver start(Path profile) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) { port = s.getLocalPort(); }
        Process p = new ProcessBuilder(DRIVER.toString(), "--port=" + port).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Chromedriver c = new Chromedriver(p, "http://127.0.0.1:" + port);
        try {
            c.awaitReady();
            ObjectNode options = JSON.createObjectNode().put("binary", CHROMIUM.toString());
            options.putArray("args").add("--headless").add("--no-sandbox").add("--disable-gpu").add("--disable-background-networking")
                    .add("--disable-component-update").add("--no-first-run").add("--window-size=1400,900").add("--user-data-dir=" + profile);
            ObjectNode always = JSON.createObjectNode().put("browserName", "chrome");
            always.set("goog:chromeOptions", options);
            always.set("goog:loggingPrefs", JSON.valueToTree(Map.of("browser", "ALL")));
            ObjectNode caps = JSON.createObjectNode();
            caps.putObject("capabilities").set("alwaysMatch", always);
            c.session = c.call("POST", "/session", caps).get("sessionId").asText();
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Navigates to {@code url} and waits until its document and scripts have loaded (a minute at most: CI machines may be loaded). */
    void open(String url) throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/url", JSON.createObjectNode().put("url", url));
        awaitTrue("return document.readyState === 'complete'", url + " did not finish loading");
    }

    /** Waits until {@code script} returns true, a minute at most; then fails with {@code what}. */
    void awaitTrue(String script, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!script(script).asBoolean()) {
            if (System.nanoTime() > deadline) throw new IOException(what + " within 60 s");
            Thread.sleep(50);
        }
    }

    /** The value a synchronous script returns. */
    JsonNode script(String body) throws IOException, InterruptedException {
        ObjectNode req = JSON.createObjectNode().put("script", body);
        req.putArray("args");
        return call("POST", "/session/" + session + "/execute/sync", req);
    }

    /** A PNG of the viewport, base64. */
    String screenshot() throws IOException, InterruptedException { return call("GET", "/session/" + session + "/screenshot", null).asText(); }

    /** The browser console's SEVERE entries (errors) since the last call. */
    List<String> severeLogs() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (JsonNode e : call("POST", "/session/" + session + "/se/log", JSON.createObjectNode().put("type", "browser")))
            if (e.get("level").asText().equals("SEVERE")) out.add(e.get("message").asText());
        return out;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                if (call("GET", "/status", null).get("ready").asBoolean()) return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw e;
            }
            if (!driver.isAlive()) throw new IOException("chromedriver exited with " + driver.exitValue());
            Thread.sleep(100);
        }
    }

    /** One WebDriver command; its "value", or an error naming the command. */
    private JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json");
        req.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode value = JSON.readTree(resp.body()).get("value");
        if (resp.statusCode() != 200) throw new IllegalStateException(method + " " + path + ": " + resp.statusCode() + " " + value);
        return value;
    }

    @Override public void close() {
        try {
            if (session != null) call("DELETE", "/session/" + session, null);
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the driver is killed below anyway; the session goes with it
        } finally {
            driver.destroy();
        }
    }
}
