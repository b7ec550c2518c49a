package dev.saestitch.tests;

import dev.saestitch.sae.Architecture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --format saelens|sparsify} on every command that writes an SAE: the layout is written and
 * evaluates as the default one does; what a layout cannot hold is refused in one line, naming why.
 */
class FormatCliTest {

    @TempDir static Path dir;
    private static Path data, small, topkLarge, jumpLarge;

    @BeforeAll static void files() {
        data = dir.resolve("rows.npy");
        PlantedSaes.writeRows(data, 2048);
        small = dir.resolve("small");
        topkLarge = dir.resolve("topk-large");
        jumpLarge = dir.resolve("jump-large");
        PlantedSaes.writeSmall(small);
        PlantedSaes.writeLarge(topkLarge, Architecture.TOPK);
        PlantedSaes.writeLarge(jumpLarge, Architecture.JUMPRELU);
    }

    private static Cli ok(String... args) {
        Cli r = Cli.run(args);
        assertEquals(0, r.exitCode(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    private static void assertRefused(String expected, Path out, String... args) {
        Cli r = Cli.run(args);
        assertEquals(1, r.exitCode(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.lastErrorLine().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(out), out + " was written");
    }

    private static double evalMse(Path sae) {
        return ok("eval", sae.toString(), "--data", data.toString(), "--json").json().get("mse").asDouble();
    }

    private static String[] train(String arch, Path out, String format) {
        return new String[] {"train", "--arch", arch, "--width", "64", "--k", "4", "--data", data.toString(), "--tokens", "2048", "--batch", "256",
                "--eval-rows", "1024", "--out", out.toString(), "--format", format, "--json"};
    }

    @Test void trainWritesSparsifyThatEvaluatesAsItsSaeLensTwin() {
        Path saelens = dir.resolve("trained-saelens"), sparsify = dir.resolve("trained-sparsify");
        double trainedMse = ok(train("topk", saelens, "saelens")).json().get("mse").asDouble();
        ok(train("topk", sparsify, "sparsify"));
        assertTrue(Files.isRegularFile(sparsify.resolve("sae.safetensors")) && Files.isRegularFile(sparsify.resolve("cfg.json")));
        assertFalse(Files.exists(sparsify.resolve("sae_weights.safetensors")));
        double a = evalMse(saelens), b = evalMse(sparsify);
        assertTrue(Math.abs(a - b) <= 1e-5 * a, "saelens " + a + " vs sparsify " + b + " (train said " + trainedMse + ")");
    }

    @Test void aLayoutThatCannotHoldTheSaeIsRefusedBeforeTraining() {
        Path out = dir.resolve("relu-sparsify");
        assertRefused("--format sparsify holds TopK SAEs; this one would be relu", out, train("relu", out, "sparsify"));
        assertRefused("--format must be saelens or sparsify, got 'onnx'", out, train("topk", out, "onnx"));
        Path meta = dir.resolve("meta-sparsify");
        assertRefused("--format sparsify holds TopK SAEs; this one would be batchtopk", meta, "meta", topkLarge.toString(), "--out", meta.toString(),
                "--format", "sparsify");
    }

    @Test void compositesTakeSaeLensWhereExactAndRefuseWhatTheirSourcesForbid() {
        Path jump = dir.resolve("stitched-saelens");
        ok("stitch", small.toString(), jumpLarge.toString(), "--data", data.toString(), "--at-step", "3", "--out", jump.toString(), "--format", "saelens");
        assertTrue(Files.isRegularFile(jump.resolve("sae_weights.safetensors")));
        Path topk = dir.resolve("stitched-topk");
        assertRefused("has a TopK source, whose top-k within its own latents SAELens cannot express", topk,
                "stitch", small.toString(), topkLarge.toString(), "--data", data.toString(), "--at-step", "3", "--out", topk.toString(), "--format", "saelens");
        assertRefused("cannot be written for sparsify, which holds plain TopK SAEs", topk,
                "stitch", small.toString(), topkLarge.toString(), "--data", data.toString(), "--at-step", "3", "--out", topk.toString(), "--format", "sparsify");
        Path franken = dir.resolve("franken-sparsify");
        assertRefused("cannot be written for sparsify", franken,
                "frankenstein", small.toString(), topkLarge.toString(), "--data", data.toString(), "--out", franken.toString(), "--format", "sparsify");
    }
}
