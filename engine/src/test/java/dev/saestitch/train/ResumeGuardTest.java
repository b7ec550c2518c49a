package dev.saestitch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saestitch.sae.Architecture;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A resume refuses a checkpoint that is not this run's (issue 14: it once kept the checkpoint's
 * settings and data silently), naming what differs, and refuses impossible saved state.
 */
class ResumeGuardTest {

    private static final int D = 16, F = 32, B = 32, STEPS = 10;
    private static final float[] DATA = SparseFeatureData.generate(6, 300, D, 24, 3);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;
    private Path dir;

    private static TrainConfig.Builder base() {
        return TrainConfig.builder(Architecture.TOPK, F).k(3).batchSize(B).totalTokens((long) STEPS * B).lr(1e-3).logEvery(4);
    }

    @BeforeEach
    void checkpointAtStep4() {
        dir = tmp.resolve("ckpt");
        try (Trainer t = Trainer.start(TestSupport.cpu(), base().build(), new InMemoryFeed(DATA, D, 1))) {
            t.run(4, null);
            t.checkpoint(dir);
        }
    }

    private String refusal(TrainConfig cfg, InMemoryFeed feed) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Trainer.resume(dir, TestSupport.cpu(), feed, cfg).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theSameRunResumes() throws IOException {
        try (Trainer t = Trainer.resume(dir, TestSupport.cpu(), new InMemoryFeed(DATA, D, 1), base().build())) {
            assertEquals(4, t.step());
        }
    }

    @Test
    void everyDifferingSettingIsNamed() {
        String m = refusal(base().k(5).totalTokens(20L * B).build(), new InMemoryFeed(DATA, D, 1));
        assertTrue(m.startsWith(dir.resolve(Checkpoint.STATE) + ": the checkpoint's run has other settings"), m);
        assertTrue(m.contains("k 3 (now 5)") && m.contains("total tokens 320 (now 640)"), m);
        assertFalse(m.contains("width"), m);

        m = refusal(TrainConfig.builder(Architecture.RELU, 2 * F).k(3).batchSize(B).totalTokens((long) STEPS * B).lr(1e-3).logEvery(4).build(),
                new InMemoryFeed(DATA, D, 1));
        assertTrue(m.contains("architecture TOPK (now RELU)") && m.contains("width 32 (now 64)"), m);
        assertTrue(refusal(base().lr(2e-3).build(), new InMemoryFeed(DATA, D, 1)).contains("lr 0.001 (now 0.002)"));
    }

    @Test
    void otherDataOrAnotherOrderIsRefused() {
        float[] other = DATA.clone();
        other[5 * D + 2] += 1e-3f;
        assertTrue(refusal(base().build(), new InMemoryFeed(other, D, 1)).contains("the data differs"));
        assertTrue(refusal(base().build(), new InMemoryFeed(DATA, D, 2)).contains("the data order differs (seed 1, now 2)"));
    }

    @Test
    void impossibleStateIsRefused() throws IOException {
        assertTrue(withState(s -> s.put("step", -1)).contains("step -1 is outside the run's 0..10"));
        assertTrue(withState(s -> s.put("step", 11)).contains("step 11 is outside"));
        assertTrue(withState(s -> s.put("inputScale", Float.NaN)).contains("input scale NaN"));
        assertTrue(withState(s -> ((ArrayNode) s.get("feedPosition")).set(1, 300)).contains("feed position [0, 300] does not fit the data"));
        assertTrue(withState(s -> s.put("format", 1)).contains("format 1, this build reads format 2"));
    }

    @Test
    void nonFiniteWeightsAreRefused() throws IOException {
        try (Arena arena = Arena.ofShared()) {
            Checkpoint.Loaded c = Checkpoint.read(dir, arena);
            Matrix wDec = c.tensors().get("W_dec");
            wDec.set(7, 3, Float.POSITIVE_INFINITY);
            Checkpoint.write(dir, c.state(), c.tensors());
        }
        String m = refusal(base().build(), new InMemoryFeed(DATA, D, 1));
        assertTrue(m.startsWith(dir.resolve(Checkpoint.TENSORS) + ": tensor 'W_dec' holds Infinity at row 7, column 3"), m);
    }

    private String withState(Consumer<ObjectNode> edit) throws IOException {
        Path state = dir.resolve(Checkpoint.STATE);
        byte[] original = Files.readAllBytes(state);
        ObjectNode s = (ObjectNode) JSON.readTree(original);
        edit.accept(s);
        Files.write(state, JSON.writeValueAsBytes(s));
        try {
            return refusal(base().build(), new InMemoryFeed(DATA, D, 1));
        } finally {
            Files.write(state, original);
        }
    }
}
