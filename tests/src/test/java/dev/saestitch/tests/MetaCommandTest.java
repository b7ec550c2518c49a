package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.saestitch.tests.MatchSaes.*;
import static org.junit.jupiter.api.Assertions.*;

/** {@code saestitch meta}: a loadable BatchTopK meta-SAE, the JSON keys, the report, and one-line errors. */
class MetaCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int D = 16, F = 96;

    @TempDir Path tmp;

    /** The defaults on a 96-latent SAE (width 24, k 4, 200 epochs in batches of 64), compared with a plain SAE. */
    @Test void trainsALoadableMetaSaeAndReportsIt() throws IOException {
        Path base = save(random(1, D, F), tmp.resolve("base"));
        Path plain = save(random(2, D, 32), tmp.resolve("plain"));
        Path out = tmp.resolve("meta");
        Run r = run("meta", base.toString(), "--compare", plain.toString(), "--out", out.toString(), "--json", "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("unit norm"), "the log says the rows are normalised: " + r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(24, j.get("width").asInt());
        assertEquals(4, j.get("k").asInt());
        assertEquals(200.0, j.get("epochs").asDouble());
        assertEquals(1 - j.get("fvu").asDouble(), j.get("variance_explained").asDouble(), 1e-12);
        assertTrue(j.get("variance_explained").asDouble() > 0, "a trained meta-SAE explains some variance: " + j);
        assertTrue(j.get("l0").asDouble() > 0, j.toString());
        for (String key : List.of("dead_fraction", "mse", "steps", "seconds", "mean_max_cos", "compare_mean_max_cos", "fraction_max_cos_ge_0_7"))
            assertTrue(j.has(key), key);
        double meanMax = j.get("mean_max_cos").asDouble();
        assertTrue(meanMax > 0 && meanMax <= 1 + 1e-6, "mean max cosine " + meanMax);

        try (Sae meta = SaeFiles.load(out)) {
            assertEquals(Architecture.BATCHTOPK, meta.architecture());
            assertEquals(D, meta.dIn());
            assertEquals(24, meta.width());
            assertEquals(4, meta.k());
            assertTrue(meta.threshold().getFlat(0) > 0, "BatchTopK's inference threshold is saved");
        }
        Path report = Path.of(j.get("report").asText());
        assertEquals(out.resolveSibling("meta.report"), report);
        assertTrue(Files.isRegularFile(report.resolve("summary.json")));
        MatchCommandTest.assertPng(report.resolve("meta_max_cos_hist.png"));
    }

    @Test void badInputsAreOneLineAndExitCode1() throws IOException {
        Path missing = tmp.resolve("no-such-sae");
        Run r = run("meta", missing.toString(), "--out", tmp.resolve("m").toString(), "--backend", "cpu");
        assertEquals(1, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(missing.toString()), r.err());

        Path base = save(random(1, D, F), tmp.resolve("base"));
        Path other = save(random(2, D + 1, 32), tmp.resolve("other"));
        Run mismatch = run("meta", base.toString(), "--compare", other.toString(), "--out", tmp.resolve("m").toString(), "--backend", "cpu");
        assertEquals(1, mismatch.exit());
        assertTrue(mismatch.err().contains("d_in 17"), mismatch.err());
        assertFalse(Files.exists(tmp.resolve("m")), "nothing is trained or written after a bad input");
    }
}
