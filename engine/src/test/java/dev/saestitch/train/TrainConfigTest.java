package dev.saestitch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.sae.Architecture;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Defaults as documented in README.md ("Training defaults"), validation messages, and the schedule. */
class TrainConfigTest {

    @Test
    void topKDefaultsFollowSparsifyAndDictionaryLearning() {
        TrainConfig c = TrainConfig.builder(Architecture.TOPK, 16384).build();
        assertEquals(2e-4, c.lr(), 1e-12);                                               // 2e-4 / sqrt(F / 2^14)
        assertEquals(1e-4, TrainConfig.builder(Architecture.BATCHTOPK, 65536).build().lr(), 1e-12);
        assertEquals(32, c.k());
        assertEquals(4096, c.batchSize());
        assertEquals(512, c.kAux());
        assertEquals(1.0 / 32, c.auxAlpha());
        assertEquals(10_000_000L, c.deadTokens());
        assertEquals(0.9, c.adamBeta1());
        assertEquals(0.999, c.adamBeta2());
        assertEquals(1000, c.lrWarmupSteps());
        assertEquals(0.2, c.lrDecayFraction());
        assertEquals(1.0, c.decoderInitNorm());
        assertEquals(TrainConfig.BiasInit.GEOMETRIC_MEDIAN, c.decoderBiasInit());
        assertTrue(c.normaliseInput() && c.centreInput() && c.constrainsDecoder() && c.usesAuxK());
    }

    @Test
    void reluAndJumpReluDefaults() {
        TrainConfig relu = TrainConfig.builder(Architecture.RELU, 4096).totalTokens(4096L * 2000).build();
        assertEquals(5e-5, relu.lr());
        assertEquals(5.0, relu.l1Coefficient());
        assertEquals(0.1, relu.decoderInitNorm());
        assertEquals(100, relu.sparsityWarmupSteps());  // 5% of 2000 steps
        assertTrue(!relu.constrainsDecoder() && !relu.usesAuxK());
        TrainConfig jump = TrainConfig.builder(Architecture.JUMPRELU, 4096).k(20).build();
        assertEquals(7e-5, jump.lr());
        assertEquals(0.0, jump.adamBeta1());
        assertEquals(0.001, jump.jumpReluBandwidth());
        assertEquals(0.001, jump.jumpReluInitThreshold());
        assertEquals(20.0, jump.targetL0());
        assertEquals(1.0, jump.l0Coefficient());
        assertEquals(2000, jump.sparsityWarmupSteps());
    }

    @Test
    void shortRunsScaleTheWarmUpsAndTheThresholdWindow() {
        TrainConfig c = TrainConfig.builder(Architecture.BATCHTOPK, 64).batchSize(10).totalTokens(10 * 500).build();
        assertEquals(500, c.steps());
        assertEquals(50, c.lrWarmupSteps());
        assertEquals(400, c.thresholdStartStep());
    }

    @Test
    void invalidOptionsAreRejectedWithTheirName() {
        assertMessage("k=65 exceeds the width 64", () -> TrainConfig.builder(Architecture.TOPK, 64).k(65).build());
        assertMessage("lr must be positive", () -> TrainConfig.builder(Architecture.TOPK, 64).lr(-1).build());
        assertMessage("Adam beta1", () -> TrainConfig.builder(Architecture.TOPK, 64).adamBetas(1, 0.9).build());
        assertMessage("less than one batch", () -> TrainConfig.builder(Architecture.RELU, 64).batchSize(100).totalTokens(99).build());
        assertMessage("threshold start step 10", () -> TrainConfig.builder(Architecture.BATCHTOPK, 64).batchSize(1).totalTokens(10).thresholdStartStep(10).build());
        assertMessage("JumpReLU bandwidth", () -> TrainConfig.builder(Architecture.JUMPRELU, 64).jumpReluBandwidth(0).build());
        assertMessage("lr decay fraction", () -> TrainConfig.builder(Architecture.RELU, 64).lrDecayFraction(1.5).build());
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        TrainConfigException ex = assertThrows(TrainConfigException.class, e);
        assertTrue(ex.getMessage().startsWith("train config: ") && ex.getMessage().contains(part), ex.getMessage());
    }

    @Test
    void survivesJsonAndBuilderRoundTrips() throws Exception {
        TrainConfig c = TrainConfig.builder(Architecture.JUMPRELU, 96).k(7).lr(1.234567e-3).seed(99).build();
        ObjectMapper json = new ObjectMapper();
        assertEquals(c, json.readValue(json.writeValueAsString(c), TrainConfig.class));
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void scheduleWarmsUpHoldsThenDecaysToZero() {
        TrainConfig c = TrainConfig.builder(Architecture.TOPK, 64).batchSize(1).totalTokens(100).lr(1).lrWarmupSteps(10)
                .lrDecayFraction(0.2).sparsityWarmupSteps(40).build();
        Schedule s = Schedule.of(c);
        assertEquals(0.1, s.lr(0), 1e-12);
        assertEquals(1.0, s.lr(9), 1e-12);
        assertEquals(1.0, s.lr(79), 1e-12);
        assertEquals(1.0, s.lr(80), 1e-12);   // decay starts at step 80: (100 − 80)/20
        assertEquals(0.5, s.lr(90), 1e-12);
        assertEquals(0.05, s.lr(99), 1e-12);
        assertEquals(0.0, s.sparsityScale(0));
        assertEquals(0.5, s.sparsityScale(20), 1e-12);
        assertEquals(1.0, s.sparsityScale(60));
    }
}
