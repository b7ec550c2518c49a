package dev.saestitch.meta;

import dev.saestitch.sae.Architecture;
import dev.saestitch.train.TrainConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The meta-SAE defaults: what the command help promises, and valid configurations at the extremes. */
class MetaTrainingTest {

    @Test void defaultsFollowTheBaseWidth() {
        assertEquals(512, MetaTraining.defaultWidth(2048));
        assertEquals(3, MetaTraining.defaultWidth(10));   // 2.5 rounds up
        assertEquals(1, MetaTraining.defaultWidth(1));
        assertEquals(256, MetaTraining.defaultBatch(2048));
        assertEquals(64, MetaTraining.defaultBatch(300));    // F/8 = 37, raised to the floor
        assertEquals(40, MetaTraining.defaultBatch(40));     // but never above F
        assertEquals(4096, MetaTraining.defaultBatch(1 << 17));
        assertEquals(200L * 2048, MetaTraining.defaultTokens(2048));
        assertEquals(8e-4, MetaTraining.defaultLr(16384), 1e-15);
        assertEquals(8e-4 * 2, MetaTraining.defaultLr(4096), 1e-15);

        TrainConfig cfg = MetaTraining.defaults(2048, 512, 4).build();
        assertEquals(Architecture.BATCHTOPK, cfg.architecture());
        assertEquals(512, cfg.width());
        assertEquals(4, cfg.k());
        assertEquals(256, cfg.batchSize());
        assertEquals(1600, cfg.steps());
        assertEquals(2048, cfg.deadTokens(), "dead after one epoch");
        assertEquals(MetaTraining.defaultLr(512), cfg.lr());
    }

    @Test void tinyDictionariesGetValidConfigurations() {
        TrainConfig cfg = MetaTraining.defaults(16, MetaTraining.defaultWidth(16), MetaTraining.DEFAULT_K).build();
        assertEquals(16, cfg.batchSize());
        assertEquals(200, cfg.steps());
        assertThrows(IllegalArgumentException.class, () -> MetaTraining.defaults(0, 1, 1));
    }
}
