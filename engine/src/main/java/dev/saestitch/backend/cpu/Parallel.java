package dev.saestitch.backend.cpu;

import java.util.stream.IntStream;

/** Splits [0, n) into chunks of at least {@code grain} and runs them on the common fork-join pool. */
final class Parallel {

    /** The body of a parallel loop over [from, to). */
    @FunctionalInterface
    interface RangeBody { void run(int from, int to); }

    private static final int THREADS = Runtime.getRuntime().availableProcessors();

    private Parallel() {}

    static int threads() { return THREADS; }

    static void forRange(int n, int grain, RangeBody body) {
        int chunks = Math.max(1, Math.min(THREADS * 4, n / Math.max(1, grain)));
        if (chunks == 1) {
            body.run(0, n);
            return;
        }
        try {
            IntStream.range(0, chunks).parallel().forEach(c -> body.run(
                    (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
        } catch (WrongThreadException e) {
            throw new IllegalArgumentException("the CPU backend works on several threads: allocate its matrices from "
                    + "Arena.ofShared() (or Backend.allocate with a shared arena), not a confined arena", e);
        }
    }
}
