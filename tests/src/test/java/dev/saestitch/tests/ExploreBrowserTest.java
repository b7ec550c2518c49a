package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The explorer as a user sees it: the generated site opened from the file system in headless
 * Chromium, driven through chromedriver. Skipped with a one-line reason when Debian's
 * {@code chromium} and {@code chromium-driver} are not installed ({@code .ci/run} installs them).
 * Screenshots go to the folder of the property {@code saestitch.shots} (default target/explore-shots).
 */
class ExploreBrowserTest {

    private static final int ROWS = 480, TOP = 6;

    @TempDir static Path tmp;
    private static Path site;
    private static JsonNode data;

    @BeforeAll static void site() {
        assumeTrue(Chromedriver.missing() == null, () -> "browser test skipped: " + Chromedriver.missing());
        Path small = tmp.resolve("small"), large = tmp.resolve("large"), acts = tmp.resolve("acts.npy");
        ExploreSites.writePair(small, large);
        ExploreSites.writeRowsWithProvenance(acts, ROWS);
        site = tmp.resolve("site");
        Cli run = Cli.run("explore", large.toString(), "--compare", small.toString(), "--data", acts.toString(), "--out", site.toString(),
                "--top", Integer.toString(TOP), "--backend", "cpu");
        assertEquals(0, run.exitCode(), run.err());
        data = ExploreSites.data(site);
    }

    @Test void tableAndLatentPageRenderWithoutConsoleErrors() throws Exception {
        int latents = data.get("sae").get("latents").size();
        int busy = -1, family = -1;  // a latent with N top contexts; one of those in a family
        for (JsonNode l : data.get("sae").get("latents")) {
            if (l.get("top").size() < TOP) continue;
            if (busy < 0) busy = l.get("id").asInt();
            else if (family < 0 && !l.get("family").isNull() && l.get("class").asText().equals("reconstruction")) family = l.get("id").asInt();
        }
        assertTrue(busy >= 0, "some latent fires at least " + TOP + " times");
        Path shots = Path.of(System.getProperty("saestitch.shots", "target/explore-shots"));
        Files.createDirectories(shots);
        String index = site.resolve("index.html").toUri().toString();
        try (Chromedriver browser = Chromedriver.start(tmp.resolve("profile"))) {
            browser.open(index);
            browser.awaitTrue("return document.querySelectorAll('#latents tbody tr').length > 0", "the latent table was not rendered");
            assertEquals(latents, browser.script("return document.querySelectorAll('#latents tbody tr').length").asInt(), "one table row per latent");
            browser.script("document.querySelector('#latents th:nth-child(6)').click(); return 0");  // sort by Δmse
            Files.write(shots.resolve("explore-table.png"), Base64.getDecoder().decode(browser.screenshot()));

            browser.open(index + "#sae/" + busy);
            assertEquals(TOP, browser.script("return document.querySelectorAll('#panel .top .context').length").asInt(), "N top contexts");
            JsonNode fired = browser.script("return [...document.querySelectorAll('#panel .top .context')].map(c => c.querySelectorAll('.tok.fire').length)");
            for (JsonNode n : fired) assertEquals(1, n.asInt(), "each context highlights its firing token");
            List<String> expected = new ArrayList<>();
            for (JsonNode hit : data.get("sae").get("latents").get(busy).get("top")) {
                JsonNode ctx = data.get("contexts").get(hit.get(1).asText());
                expected.add(data.get("vocab").get(ctx.get("tokens").get(ctx.get("focus").asInt()).asText()).asText());
            }
            List<String> shown = new ArrayList<>();
            browser.script("return [...document.querySelectorAll('#panel .top .tok.fire')].map(t => t.textContent)").forEach(t -> shown.add(t.asText()));
            assertEquals(expected, shown, "the highlighted tokens are the firing tokens, as text");
            assertTrue(browser.script("return [...document.querySelectorAll('.tok')].some(t => t.textContent === '" + ExploreSites.SCRIPT_TOKEN.replace("'", "\\'") + "')").asBoolean(),
                    "the <script> token is shown as text");
            assertEquals(0, browser.script("return document.querySelectorAll('#panel script').length").asInt());
            Files.write(shots.resolve("explore-latent.png"), Base64.getDecoder().decode(browser.screenshot()));

            if (family >= 0) {
                browser.open(index + "#sae/" + family);
                assertTrue(browser.script("return document.querySelectorAll('#panel .member').length").asInt() >= 2, "a family shows its members side by side");
                browser.script("document.querySelector('#panel .family').scrollIntoView(); return 0");
                Files.write(shots.resolve("explore-family.png"), Base64.getDecoder().decode(browser.screenshot()));
            }
            List<String> errors = browser.severeLogs();
            assertTrue(errors.isEmpty(), "console errors: " + errors);
        }
    }
}
