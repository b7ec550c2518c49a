package dev.saestitch.train;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cuda.CudaBackend;
import dev.saestitch.backend.cuda.GemmPrecision;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.testkit.TestBackends;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 200 training steps per architecture on the CUDA backend and on the CPU backend, from the same
 * initial weights (the initialiser runs on the host from the seed) and the same batches, stay
 * together: the reported loss within 1% at every report and the final weights within 1% in
 * relative Frobenius norm. Both are float32; they differ by summation order (the GPU's atomics,
 * fused multiply-adds), which a selection near a tie can amplify, hence bounds far above
 * rounding. Skipped, with the reason, where the CUDA backend cannot run.
 */
class CudaTrainingParityTest {

    private static final int D = 24, F = 48, B = 32, STEPS = 200;
    private static final float[] DATA = SparseFeatureData.generate(11, 1000, D, 40, 3);

    private static TrainConfig config(Architecture a) {
        return TrainConfig.builder(a, F).k(3).batchSize(B).totalTokens((long) STEPS * B).lr(4e-3)
                .lrWarmupSteps(10).sparsityWarmupSteps(50).thresholdStartStep(5)
                .kAux(8).deadTokens(4L * B).l1Coefficient(1).targetL0(3).jumpReluBandwidth(0.05)
                .logEvery(10).build();
    }

    private record Run(List<TrainProgress> reports, float[][] weights) {}

    private static Run train(Backend backend, Architecture a) {
        List<TrainProgress> reports = new ArrayList<>();
        try (backend; Trainer t = Trainer.start(backend, config(a), new InMemoryFeed(DATA, D, 3))) {
            t.runToEnd(reports::add);
            try (Sae sae = t.result()) {
                Matrix theta = sae.threshold();
                return new Run(reports, new float[][] {sae.wEnc().toArray(), sae.bEnc().toArray(), sae.wDec().toArray(), sae.bDec().toArray(),
                        theta == null ? new float[0] : theta.toArray()});
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void gpuAndCpuTrainTheSameSae(Architecture a) {
        CudaBackend gpu = TestBackends.cudaOrSkip(GemmPrecision.FP32);
        Run onGpu = train(gpu, a), onCpu = train(TestSupport.cpu(), a);
        assertEquals(onCpu.reports().size(), onGpu.reports().size());
        double worstLoss = 0;
        for (int i = 0; i < onCpu.reports().size(); i++) {
            double c = onCpu.reports().get(i).loss(), g = onGpu.reports().get(i).loss();
            worstLoss = Math.max(worstLoss, Math.abs(g - c) / Math.abs(c));
        }
        assertTrue(worstLoss <= 0.01, a + ": loss differs by up to " + worstLoss + " (relative) between GPU and CPU");
        String[] names = {"W_enc", "b_enc", "W_dec", "b_dec", "threshold"};
        for (int t = 0; t < names.length; t++) {
            double diff = 0, norm = 0;
            float[] c = onCpu.weights()[t], g = onGpu.weights()[t];
            for (int i = 0; i < c.length; i++) {
                diff += Math.pow((double) g[i] - c[i], 2);
                norm += (double) c[i] * c[i];
            }
            if (norm > 0) assertTrue(Math.sqrt(diff / norm) <= 0.01, a + " " + names[t] + ": relative difference " + Math.sqrt(diff / norm));
        }
    }
}
