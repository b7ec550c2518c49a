package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cuda.CudaBackend;
import dev.saestitch.backend.cuda.GemmPrecision;
import dev.saestitch.sae.Architecture;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.Trainer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The GPU workloads on the CUDA backend, timed with a synchronize around each measured
 * region (device work is asynchronous), warm-up first, median of the repeats:
 * <ul>
 *   <li>W1: one training step, B = 4096, D = 768, F = 24576, k = 32, aux-k 512, TopK and BatchTopK;
 *   <li>W3: the same at D = 4096, F = 131072, k = 64, with the device memory in use;
 *   <li>W7: max cosine between two dictionaries of unit rows (F×F×D = 32768²×768 and 131072²×4096),
 *       next to the same tiles' bare cuBLAS GEMMs, in FP32, TF32 and BF16.
 * </ul>
 * A training step here is the trainer's whole step: the host batch copy and its upload (pageable
 * memory) included; {@code feed_upload_ms} times those two alone so that the device part can be
 * read off. The steps' GEMMs run in {@link GemmPrecision#configured()} (FP32 unless
 * {@code SAESTITCH_CUDA_PRECISION} says tf32 or bf16). Usage: {@code GpuBench w1|w3|w7|all
 * RESULTS.jsonl}; one JSON object per line is appended.
 */
public final class GpuBench {

    private static final int WARMUP = 5, REPEATS = 7, STEPS_PER_REPEAT = 10;

    private final Path results;

    private GpuBench(Path results) { this.results = results; }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: GpuBench w1|w3|w7|all RESULTS.jsonl");
            System.exit(2);
        }
        GpuBench bench = new GpuBench(Path.of(args[1]));
        String which = args[0].toLowerCase(Locale.ROOT);
        if (which.equals("w1") || which.equals("all")) {
            bench.trainStep("W1", 768, 24576, 32, 512, Architecture.TOPK);
            bench.trainStep("W1", 768, 24576, 32, 512, Architecture.BATCHTOPK);
        }
        if (which.equals("w3") || which.equals("all")) {
            bench.trainStep("W3", 4096, 131072, 64, 512, Architecture.TOPK);
            bench.trainStep("W3", 4096, 131072, 64, 512, Architecture.BATCHTOPK);
        }
        if (which.equals("w7") || which.equals("all")) {
            for (GemmPrecision p : GemmPrecision.values()) bench.maxCosine(32768, 768, 8192, p);
            for (GemmPrecision p : GemmPrecision.values()) bench.maxCosine(131072, 4096, 16384, p);
        }
    }

    private void trainStep(String workload, int d, int f, int k, int kAux, Architecture arch) throws IOException {
        int b = 4096;
        GemmPrecision precision = GemmPrecision.configured();
        try (Arena arena = Arena.ofShared(); CudaBackend backend = new CudaBackend(precision, "benchmark")) {
            TrainConfig cfg = TrainConfig.builder(arch, f).k(k).kAux(kAux).batchSize(b).totalTokens(1L << 40)
                    .normBatches(2).deadTokens(b * 8L).logEvery(1 << 30).build();
            TrainStepBench.CyclingFeed feed = new TrainStepBench.CyclingFeed(arena, 4, d, b);
            try (Trainer trainer = Trainer.start(backend, cfg, feed)) {
                trainer.run(WARMUP, null);
                backend.synchronize();
                double[] ms = new double[REPEATS];
                for (int r = 0; r < REPEATS; r++) {
                    long t0 = System.nanoTime();
                    trainer.run(STEPS_PER_REPEAT, null);
                    backend.synchronize();
                    ms[r] = (System.nanoTime() - t0) / 1e6 / STEPS_PER_REPEAT;
                }
                double step = median(ms);
                double upload = feedAndUpload(backend, arena, feed, d, b);
                long used = backend.deviceMemoryInUse();
                record(String.format(Locale.ROOT,
                        "{\"workload\":\"%s\",\"arch\":\"%s\",\"precision\":\"%s\",\"B\":%d,\"D\":%d,\"F\":%d,\"k\":%d,\"k_aux\":%d,\"ms_per_step\":%.4f,"
                                + "\"tokens_per_s\":%.0f,\"feed_upload_ms\":%.4f,\"device_bytes_in_use\":%d,\"repeats_ms\":%s,\"backend\":\"%s\"}",
                        workload, arch.name().toLowerCase(Locale.ROOT), precision, b, d, f, k, kAux, step, b / (step / 1e3), upload, used,
                        Arrays.toString(ms), escape(backend.describe())));
            }
        }
    }

    /** The host part of a step alone: the feed's copy into the host batch and its upload, synchronized. */
    private static double feedAndUpload(Backend backend, Arena arena, TrainStepBench.CyclingFeed feed, int d, int b) {
        Matrix host = Matrix.allocate(arena, b, d), device = backend.allocate(arena, b, d);
        double[] ms = new double[REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < STEPS_PER_REPEAT; i++) {
                feed.next(host);
                backend.upload(host, device);
            }
            backend.synchronize();
            ms[r] = (System.nanoTime() - t0) / 1e6 / STEPS_PER_REPEAT;
        }
        return median(ms);
    }

    private void maxCosine(int rows, int d, int tile, GemmPrecision precision) throws IOException {
        try (Arena arena = Arena.ofShared(); CudaBackend backend = new CudaBackend(precision, "benchmark")) {
            Matrix a = unitRows(backend, arena, rows, d, 1), b = unitRows(backend, arena, rows, d, 2);
            backend.maxDots(a, b, tile, tile);  // warm-up: handles, kernels, cuBLAS heuristics
            double[] fused = new double[3], bare = new double[3];
            Matrix out = backend.allocate(arena, tile, tile);
            for (int r = 0; r < fused.length; r++) {
                backend.synchronize();
                long t0 = System.nanoTime();
                backend.maxDots(a, b, tile, tile);
                fused[r] = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                for (int i0 = 0; i0 < rows; i0 += tile)
                    for (int j0 = 0; j0 < rows; j0 += tile) {
                        int tr = Math.min(tile, rows - i0), tc = Math.min(tile, rows - j0);
                        backend.gemm(false, true, 1f, a.rows(i0, tr), b.rows(j0, tc), 0f, out.packed(tr, tc));
                    }
                backend.synchronize();
                bare[r] = (System.nanoTime() - t0) / 1e6;
            }
            double flops = 2.0 * rows * rows * d, f = median(fused), g = median(bare);
            record(String.format(Locale.ROOT,
                    "{\"workload\":\"W7\",\"F\":%d,\"D\":%d,\"tile\":%d,\"precision\":\"%s\",\"max_cosine_ms\":%.3f,\"max_cosine_tflops\":%.1f,"
                            + "\"bare_gemm_ms\":%.3f,\"bare_gemm_tflops\":%.1f,\"ratio\":%.3f,\"backend\":\"%s\"}",
                    rows, d, tile, precision, f, flops / f / 1e9, g, flops / g / 1e9, f / g, escape(backend.describe())));
        }
    }

    /** (rows, d) Gaussian rows scaled to unit norm, on the device. */
    private static Matrix unitRows(Backend backend, Arena arena, int rows, int d, long seed) {
        Matrix host = RandomMatrices.gaussian(arena, rows, d, 1, new SplittableRandom(seed));
        Matrix device = backend.allocate(arena, rows, d);
        backend.upload(host, device);
        backend.normaliseRows(device);
        return device;
    }

    private void record(String json) throws IOException {
        System.out.println(json);
        Files.writeString(results, json + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String escape(String s) { return s.replace("\\", "\\\\").replace("\"", "\\\""); }
}
