package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.io.CompositeSaeFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The frankenstein command end to end on the synthetic world (no --data, D = 16): its --json keys
 * and their consistency, the report folder, the exported SAE (our composite layout for TopK
 * sources, read back; SAELens JumpReLU for ReLU sources, which eval loads), and one-line errors.
 */
class FrankenCliTest {

    @TempDir static Path dir;

    private static Path train(String arch, int width, int dim, long seed) {
        Path out = dir.resolve(arch + width + "-d" + dim);
        Cli train = Cli.run("train", "--arch", arch, "--width", String.valueOf(width), "--k", "4", "--synth-dim", String.valueOf(dim),
                "--tokens", "40000", "--batch", "256", "--lr", arch.equals("relu") ? "1e-3" : "1e-2", "--seed", String.valueOf(seed),
                "--eval-rows", "1024", "--out", out.toString());
        assertEquals(0, train.exitCode(), train.err());
        return out;
    }

    private static Path s16, s32, s64;

    @BeforeAll
    static void trainALadder() {
        s16 = train("topk", 16, 16, 1);
        s32 = train("topk", 32, 16, 2);
        s64 = train("topk", 64, 16, 3);
    }

    private static Cli frankenstein(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("frankenstein", "--tokens", "40960", "--batch", "1024", "--eval-rows", "4096"));
        args.addAll(Arrays.asList(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void jsonReportAndExportOfATopKLadder() throws IOException {
        Path out = dir.resolve("franken"), report = dir.resolve("report");
        Cli run = frankenstein(s16.toString(), s64.toString(), s32.toString(), "--retrain", "exact", "--out", out.toString(),
                "--report", report.toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode j = run.json();
        for (String key : new String[] {"stages", "final_F", "final_l0", "final_mse", "final_mse_merged", "retrain", "plain", "out", "report"})
            assertTrue(j.has(key), "frankenstein --json lacks " + key + ": " + j);
        assertEquals("exact", j.get("retrain").asText());
        JsonNode stages = j.get("stages");
        assertEquals(3, stages.size());
        assertEquals(s32.toString(), stages.get(1).get("sae").asText(), "larger SAEs are visited by increasing width");
        int f = 0;
        for (JsonNode s : stages) {
            for (String key : new String[] {"stage", "F", "l0", "mse", "mse_merged", "added"}) assertTrue(s.has(key), key + " in " + s);
            f += s.get("added").asInt();
            assertEquals(f, s.get("F").asInt(), "F grows by the latents added");
            assertTrue(s.get("mse").asDouble() < s.get("mse_merged").asDouble() || s.get("stage").asInt() == 0, "retraining helps: " + s);
        }
        assertEquals(f, j.get("final_F").asInt());
        assertEquals(stages.get(2).get("mse").asDouble(), j.get("final_mse").asDouble());
        assertTrue(j.get("final_l0").asDouble() > 4, "merging raises l0 above the sources' k = 4: " + j.get("final_l0"));
        assertEquals(3, j.get("plain").size());
        assertTrue(j.has("final_recovered_fraction"), "the synthetic world's truth is known");

        assertEquals(CompositeSaeFiles.ARCHITECTURE, j.get("out_format").asText(), "TopK sources need the composite layout");
        try (CompositeSae loaded = CompositeSaeFiles.load(out)) {
            assertEquals(f, loaded.width());
            assertEquals(3, loaded.sources().size());
        }
        for (String file : new String[] {"summary.json", "stages.csv", "mse_vs_F.png", "mse_vs_l0.png"})
            assertTrue(Files.size(report.resolve(file)) > 0, file);
        byte[] png = Files.readAllBytes(report.resolve("mse_vs_F.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        List<String> csv = Files.readAllLines(report.resolve("stages.csv"));
        assertEquals("kind,stage,sae,F,l0,mse,fvu", csv.getFirst());
        assertEquals(1 + 3 + 2 * 3, csv.size(), "header, three plain SAEs, three stages merged and retrained");
    }

    @Test
    void reluSourcesExportOneJumpReluSaeThatEvalLoads() {
        Path r16 = train("relu", 16, 16, 4), r32 = train("relu", 32, 16, 5), out = dir.resolve("franken-relu");
        Cli run = frankenstein(r16.toString(), r32.toString(), "--retrain", "adam", "--out", out.toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("saelens_jumprelu", run.json().get("out_format").asText());
        Cli eval = Cli.run("eval", out.toString(), "--rows", "2048", "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        assertEquals("jumprelu", eval.json().get("architecture").asText());
        assertEquals(run.json().get("final_F").asInt(), eval.json().get("width").asInt());
    }

    @Test
    void withoutRetrainingTheStagesKeepTheirMergedDecoders() {
        Cli run = frankenstein(s16.toString(), s32.toString(), "--retrain", "none", "--json");
        assertEquals(0, run.exitCode(), run.err());
        for (JsonNode s : run.json().get("stages")) assertEquals(s.get("mse_merged").asDouble(), s.get("mse").asDouble());
        assertEquals(0, run.json().get("retrain_tokens").asLong());
    }

    @Test
    void badInputIsOneLineAndWritesNothing() {
        Path other = train("topk", 16, 12, 6), out = dir.resolve("never");
        Cli mismatch = frankenstein(s16.toString(), other.toString(), "--out", out.toString());
        assertEquals(1, mismatch.exitCode());
        assertTrue(mismatch.lastErrorLine().contains(other.getFileName().toString()) && mismatch.lastErrorLine().contains("d_in"), mismatch.err());
        assertFalse(mismatch.err().contains("\tat "), "no stack trace: " + mismatch.err());
        assertFalse(Files.exists(out));
        Cli method = frankenstein(s16.toString(), s32.toString(), "--retrain", "sgd");
        assertEquals(1, method.exitCode());
        assertTrue(method.lastErrorLine().contains("sgd"), method.err());
        Cli missing = frankenstein(s16.toString(), dir.resolve("no-such-sae").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.lastErrorLine().contains("no-such-sae"), missing.err());
    }
}
