package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.cli.Main;
import dev.saestitch.dict.DictionaryComparison;
import dev.saestitch.dict.Families;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Architecture;
import dev.saestitch.io.CompositeSaeFiles;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * compare and stitch end to end through {@link Main#commandLine}, on planted SAEs whose families
 * and novel latents are known by construction ({@link PlantedSaes}), and compare on the real
 * OthelloGPT pair. Checks the JSON keys and values that the construction fixes, the CSV headers,
 * the report files, that an exported hybrid evaluates to the path's own mse on the same rows
 * (see {@link #assertSameEvaluation}), and one-line errors with exit code 1.
 */
class CompareStitchCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path OTHELLO = Path.of(System.getProperty("saestitch.data", "../fixtures"), "othello-gpt-saes");
    private static final int ROWS = 4096;
    private static final int SMALL_WIDTH = PlantedSaes.world().parents() + PlantedSaes.SMALL_INDEPENDENTS;
    private static final int LARGE_WIDTH = PlantedSaes.world().parents() * 4 + PlantedSaes.world().independents();

    @TempDir static Path shared;
    @TempDir Path tmp;

    private static Path small, large, largeTopK, other, data;

    @BeforeAll static void planted() {
        small = shared.resolve("small");
        large = shared.resolve("large");
        largeTopK = shared.resolve("large-topk");
        other = shared.resolve("other");
        data = shared.resolve("rows.npy");
        PlantedSaes.writeSmall(small);
        PlantedSaes.writeLarge(large, Architecture.JUMPRELU);
        PlantedSaes.writeLarge(largeTopK, Architecture.TOPK);
        PlantedSaes.writeOtherDimension(other);
        PlantedSaes.writeRows(data, ROWS);
    }

    private record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not one JSON object: " + out, e);
            }
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static void assertKeys(JsonNode json, String... keys) {
        for (String k : keys) assertTrue(json.has(k), "missing key '" + k + "' in " + json);
    }

    @Test void compareFindsThePlantedNovelLatentsAndFamilies() throws IOException {
        Path report = tmp.resolve("report");
        Run r = run("compare", small.toString(), large.toString(), "--data", data.toString(), "--rows", String.valueOf(ROWS), "--batch", "512", "--report", report.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = r.json();
        assertKeys(j, "novel", "reconstruction", "families", "family_sizes", "threshold", "table2", "mse_where_novel_fires", "small_mse", "large_mse");
        int independents = PlantedSaes.world().independents();
        assertEquals(independents - PlantedSaes.SMALL_INDEPENDENTS, j.get("novel").asInt(), "LARGE's rarer independents are novel");
        assertEquals(LARGE_WIDTH, j.get("novel").asInt() + j.get("reconstruction").asInt());
        assertEquals(PlantedSaes.world().parents() + PlantedSaes.SMALL_INDEPENDENTS, j.get("families").asInt());
        assertEquals(0.7, j.get("threshold").asDouble());
        JsonNode sizes = j.get("family_sizes");
        assertEquals(2, sizes.size(), sizes.toString());
        assertEquals(List.of(1, 1, PlantedSaes.SMALL_INDEPENDENTS), List.of(sizes.get(0).get("small").asInt(), sizes.get(0).get("large").asInt(), sizes.get(0).get("families").asInt()));
        assertEquals(List.of(1, 4, PlantedSaes.world().parents()), List.of(sizes.get(1).get("small").asInt(), sizes.get(1).get("large").asInt(), sizes.get(1).get("families").asInt()));
        // SMALL lacks the features behind the novel latents: adding them helps, and SMALL errs more where they fire
        JsonNode novel = j.get("table2").get("novel");
        assertTrue(novel.get("delta_mse_negative").asInt() > 2 * novel.get("delta_mse_positive").asInt(), novel.toString());
        JsonNode where = j.get("mse_where_novel_fires");
        assertTrue(where.get("fires").asDouble() > where.get("does_not_fire").asDouble(), where.toString());

        List<String> csv = Files.readAllLines(report.resolve("latents.csv"));
        assertEquals("latent,max_cos,argmax,class,family,delta_mse", csv.getFirst());
        assertEquals(LARGE_WIDTH + 1, csv.size());
        long novelRows = csv.stream().skip(1).filter(l -> l.split(",", -1)[3].equals("novel")).count();
        assertEquals(j.get("novel").asInt(), novelRows);
        assertTrue(csv.stream().skip(1).noneMatch(l -> l.split(",", -1)[5].isEmpty()), "Δmse for every latent with data");
        for (String f : new String[] {"summary.json", "max_cosine.png", "delta_mse_vs_max_cosine.png"})
            assertTrue(Files.size(report.resolve(f)) > 0, f);
        assertEquals(j, JSON.readTree(report.resolve("summary.json").toFile()));
    }

    @Test void compareWithoutDataHasNoDataKeysAndAnEmptyDeltaColumn() throws IOException {
        Path report = tmp.resolve("report");
        Run r = run("compare", small.toString(), large.toString(), "--report", report.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        assertKeys(r.json(), "novel", "reconstruction", "families", "threshold");
        assertFalse(r.json().has("table2"));
        Run synthetic = run("compare", small.toString(), large.toString(), "--synthetic", "--rows", "3000", "--batch", "1000", "--json");
        assertEquals(0, synthetic.exit(), synthetic.err());
        assertKeys(synthetic.json(), "table2", "mse_where_novel_fires", "data");
        assertEquals(3000, synthetic.json().get("samples").asInt());
        List<String> csv = Files.readAllLines(report.resolve("latents.csv"));
        assertTrue(csv.stream().skip(1).allMatch(l -> l.endsWith(",")), "delta_mse is empty without data");
        assertFalse(Files.exists(report.resolve("delta_mse_vs_max_cosine.png")));
    }

    @Test void stitchWalksThePathAndExportsAHybridThatEvalReproduces() throws IOException {
        Path report = tmp.resolve("report"), out = tmp.resolve("hybrid");
        Run r = run("stitch", small.toString(), large.toString(), "--data", data.toString(), "--rows", String.valueOf(ROWS), "--batch", "512",
                "--order", "delta", "--at-step", "40", "--out", out.toString(), "--report", report.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = r.json();
        assertKeys(j, "start_mse", "end_mse", "steps", "large_mse", "export");
        int adds = PlantedSaes.world().independents() - PlantedSaes.SMALL_INDEPENDENTS, families = PlantedSaes.world().parents() + PlantedSaes.SMALL_INDEPENDENTS;
        assertEquals(adds + families, j.get("steps").asInt());
        List<String> csv = Files.readAllLines(report.resolve("path.csv"));
        assertEquals("step,kind,F,mse,l0", csv.getFirst());
        assertEquals(j.get("steps").asInt() + 2, csv.size());
        assertTrue(csv.get(1).startsWith("0,start," + SMALL_WIDTH + ","));
        assertTrue(csv.get(2).startsWith("1,add," + (SMALL_WIDTH + 1) + ","));
        assertTrue(csv.get(1 + adds + 1).startsWith((adds + 1) + ",swap,"));
        // the novel latents are features SMALL lacks: adding them all lowers its error
        double afterAdding = Double.parseDouble(csv.get(1 + adds).split(",")[3]);
        assertTrue(afterAdding < j.get("start_mse").asDouble(), afterAdding + " after the additions, from " + j.get("start_mse"));
        // every L-latent is in at the end and every S-latent swapped out: the end is LARGE itself
        assertEquals(LARGE_WIDTH, j.get("end_F").asInt());
        assertEquals(j.get("large_mse").asDouble(), j.get("end_mse").asDouble(), 1e-5 * j.get("large_mse").asDouble());
        for (String f : new String[] {"summary.json", "mse_vs_l0.png", "mse_vs_F.png"}) assertTrue(Files.size(report.resolve(f)) > 0, f);

        JsonNode export = j.get("export");
        assertEquals("saelens_jumprelu", export.get("format").asText());
        assertEquals(40, export.get("step").asInt());
        assertEquals(csv.get(41).split(",")[2], export.get("F").asText());
        try (Sae sae = SaeFiles.load(out)) {
            assertEquals(Architecture.JUMPRELU, sae.architecture());
            assertEquals(export.get("F").asInt(), sae.width());
        }
        // the same rows (the whole file, in another order) through eval
        Run ev = run("eval", out.toString(), "--data", data.toString(), "--rows", String.valueOf(ROWS), "--batch", "512", "--json");
        assertEquals(0, ev.exit(), ev.err());
        assertSameEvaluation(export, ev.json());
    }

    /**
     * eval's metrics on the same rows as the path's step: mse to 1e-4 relative and l0 to 2/ROWS,
     * which allows x̂ in float32 and a code or two within rounding of its threshold deciding the
     * other way (eval batches the rows differently, and an exported JumpReLU SAE folds the
     * centring into b_enc).
     */
    private static void assertSameEvaluation(JsonNode export, JsonNode eval) {
        double pathMse = export.get("mse").asDouble();
        assertEquals(pathMse, eval.get("mse").asDouble(), 1e-4 * pathMse);
        assertEquals(export.get("l0").asDouble(), eval.get("l0").asDouble(), 2.0 / ROWS);
        assertEquals(ROWS, eval.get("samples").asInt());
    }

    @Test void aTopKHybridIsSavedAsACompositeThatEvalReads() {
        Path out = tmp.resolve("hybrid");
        Run r = run("stitch", small.toString(), largeTopK.toString(), "--data", data.toString(), "--rows", String.valueOf(ROWS), "--batch", "512",
                "--bias", "keep", "--seed", "3", "--size", "40", "--out", out.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode export = r.json().get("export");
        assertEquals(CompositeSaeFiles.ARCHITECTURE, export.get("format").asText());
        assertEquals(40, export.get("F").asInt(), "one addition per step: F passes through every size");
        assertTrue(CompositeSaeFiles.isComposite(out));
        Run ev = run("eval", out.toString(), "--data", data.toString(), "--rows", String.valueOf(ROWS), "--batch", "512", "--json");
        assertEquals(0, ev.exit(), ev.err());
        assertEquals("composite", ev.json().get("architecture").asText());
        assertEquals(40, ev.json().get("width").asInt());
        assertSameEvaluation(export, ev.json());

        // compare takes the composite (decoder rows and its inference rule) on the same rows: its mse is eval's.
        Run cmp = run("compare", out.toString(), largeTopK.toString(), "--data", data.toString(), "--rows", String.valueOf(ROWS), "--batch", "512", "--json");
        assertEquals(0, cmp.exit(), cmp.err());
        assertEquals(40, cmp.json().get("small_width").asInt());
        assertEquals(ev.json().get("mse").asDouble(), cmp.json().get("small_mse").asDouble(), 1e-5 * ev.json().get("mse").asDouble());
        // stitch and match need what a composite lacks: one line each saying so.
        for (String[] args : List.of(new String[] {"stitch", out.toString(), largeTopK.toString(), "--data", data.toString()},
                new String[] {"match", out.toString(), largeTopK.toString()})) {
            Run refused = run(args);
            assertEquals(1, refused.exit(), refused.err());
            assertEquals(1, refused.err().strip().lines().count(), "one line: " + refused.err());
            assertTrue(refused.err().contains(out + ": is a composite SAE; " + args[0] + " needs"), refused.err());
        }
    }

    @Test void userErrorsAreOneLineWithExitCode1() {
        Path missing = tmp.resolve("no-such-sae");
        List<String[]> bad = List.of(
                new String[] {"compare", missing.toString(), large.toString()},
                new String[] {"compare", small.toString(), other.toString()},
                new String[] {"stitch", other.toString(), large.toString(), "--synthetic"},
                new String[] {"stitch", small.toString(), large.toString()},
                new String[] {"stitch", small.toString(), large.toString(), "--synthetic", "--at-step", "3"},
                new String[] {"stitch", small.toString(), large.toString(), "--synthetic", "--bias", "median"},
                new String[] {"compare", small.toString(), large.toString(), "--threshold", "1.5"});
        for (String[] args : bad) {
            Run r = run(args);
            assertEquals(1, r.exit(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().startsWith("saestitch " + args[0] + ": "), r.err());
            assertTrue(r.out().isEmpty());
        }
        Run r = run("compare", small.toString(), other.toString());
        assertTrue(r.err().contains(other + ": d_in " + (PlantedSaes.D + 3) + " differs from " + small + "'s " + PlantedSaes.D), r.err());
        assertTrue(run("compare", missing.toString(), large.toString()).err().contains(missing.toString()));
    }

    @Test void compareOnTheRealOthelloPair() throws IOException {
        Path s = OTHELLO.resolve("blocks.1.hook_resid_pre.d1024"), l = OTHELLO.resolve("blocks.1.hook_resid_pre.d2048");
        assertTrue(Files.isDirectory(s) && Files.isDirectory(l), "real SAEs not found at " + OTHELLO + " (the copy lives in fixtures/; -Dsaestitch.data overrides)");
        Path report = tmp.resolve("report");
        Run r = run("compare", s.toString(), l.toString(), "--report", report.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = r.json();
        assertKeys(j, "novel", "reconstruction", "families", "threshold");
        try (Sae small = SaeFiles.load(s); Sae large = SaeFiles.load(l); Backend cpu = Backends.select("cpu")) {
            DictionaryComparison cmp = DictionaryComparison.compare(cpu, large.wDec(), small.wDec());
            assertEquals(LatentClasses.of(cmp).novelCount(), j.get("novel").asInt());
            assertEquals(Families.of(cmp).families().size(), j.get("families").asInt());
        }
        assertTrue(j.get("novel").asInt() > 0 && j.get("reconstruction").asInt() > 0 && j.get("families").asInt() > 0);
        List<String> csv = Files.readAllLines(report.resolve("latents.csv"));
        assertEquals(2049, csv.size());
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            double m = Double.parseDouble(f[1]);   // printed to 6 decimals
            if (Math.abs(m - 0.7) > 1e-6) assertEquals(m < 0.7 ? "novel" : "reconstruction", f[3], "max_cos and class agree: " + line);
        }
    }
}
