package dev.saestitch.train;

import dev.saestitch.sae.ParameterSet;
import dev.saestitch.backend.Backend;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains one SAE on a {@link BatchFeed}, alone or as a member of a {@link TrainerGroup} (which
 * then reads each batch once for all its members, see {@link BatchInput}). Each step runs on the backend: forward with the training
 * rule, dead-latent counters, analytic gradients ({@link Objective}), the decoder-direction
 * projection, Adam, decoder renormalisation, θ clamp. Only the batch goes in (one upload) and, on
 * reporting steps, a few scalars come out; the per-step host reads are the sizes of the sparse
 * codes, BatchTopK's smallest kept value and the aux-k denominator.
 *
 * <p>{@link #checkpoint} saves everything a run depends on (weights, Adam moments, step, input
 * scale, dead counters, BatchTopK's threshold accumulator, the feed position; the run draws no
 * random numbers after initialisation); {@link #resume} continues bit-identically.
 */
public final class Trainer implements AutoCloseable {

    /** θ is clamped to at least this after every step so that it stays positive (SPEC §1). */
    static final float MIN_THRESHOLD = 1e-6f;

    private static final String ADAM_M = "adam_m/", ADAM_V = "adam_v/", SINCE_FIRED = "since_fired";

    private final Backend backend;
    private final TrainConfig cfg;
    private final BatchInput input;         // the scaled batch; shared with the other members of a group
    private final boolean ownsInput;        // alone: this trainer reads each batch; in a group the group does
    private final int dIn;
    private final float inputScale;
    private final Schedule schedule;
    private final Arena arena = Arena.ofShared();
    private final ParameterSet weights, grads, adamM, adamV;
    private final Matrix sinceFired;        // (1, F) tokens since each latent last fired
    private final Matrix deadMask;          // (1, F) 1 where sinceFired ≥ deadTokens
    private final Objective objective;
    private final DivergenceCheck divergence;
    private long step;
    private double thresholdSum;
    private long thresholdCount;
    private long windowCodes, windowSteps, windowStart;

    private Trainer(Backend backend, TrainConfig cfg, BatchInput input, boolean ownsInput) {
        this.backend = backend;
        this.cfg = cfg;
        this.input = input;
        this.ownsInput = ownsInput;
        this.dIn = input.feed().dim();
        this.inputScale = input.scale();
        this.schedule = Schedule.of(cfg);
        boolean theta = cfg.architecture().learnsThreshold();
        int f = cfg.width();
        weights = ParameterSet.allocate(backend, arena, dIn, f, theta);
        grads = ParameterSet.allocate(backend, arena, dIn, f, theta);
        adamM = ParameterSet.allocate(backend, arena, dIn, f, theta);
        adamV = ParameterSet.allocate(backend, arena, dIn, f, theta);
        sinceFired = backend.allocate(arena, 1, f);
        deadMask = backend.allocate(arena, 1, f);
        objective = new Objective(backend, cfg, dIn, input.scaled());
        divergence = new DivergenceCheck(backend, cfg, dIn);
    }

    /** A fresh run: initial weights from the seed and the first batches of {@code feed} (see {@link Initializer}). */
    public static Trainer start(Backend backend, TrainConfig cfg, BatchFeed feed) {
        Initializer.Start start = Initializer.measure(cfg, feed);
        return start(backend, cfg, start, new BatchInput(backend, feed, cfg.batchSize(), start.inputScale()), true);
    }

    /** A fresh run on a measured start, reading {@code input}; it closes the input when it owns it. */
    static Trainer start(Backend backend, TrainConfig cfg, Initializer.Start start, BatchInput input, boolean ownsInput) {
        try (Sae init = Initializer.weights(cfg, start)) {
            Trainer t = new Trainer(backend, cfg, input, ownsInput);
            t.weights.uploadFrom(backend, init);
            return t;
        }
    }

    /**
     * Continues the run saved in {@code dir}; the feed is moved to the saved position.
     *
     * @param requested the configuration this run asks for: the checkpoint must have been written with it
     * @throws CheckpointException when the checkpoint is unreadable, or not of this run (other settings,
     *                             other data or order, see {@link ResumeGuard}), or holds impossible state
     */
    public static Trainer resume(Path dir, Backend backend, BatchFeed feed, TrainConfig requested) throws IOException {
        return resume(dir, backend, feed, requested, null);
    }

    /**
     * As {@link #resume(Path, Backend, BatchFeed, TrainConfig)}, reading the batches of {@code shared}
     * (a group's input, whose scale and batch size the checkpoint must have) when it is not null.
     */
    static Trainer resume(Path dir, Backend backend, BatchFeed feed, TrainConfig requested, BatchInput shared) throws IOException {
        try (Arena tmp = Arena.ofShared()) {
            Checkpoint.Loaded c = Checkpoint.read(dir, tmp);
            Checkpoint.State s = c.state();
            Path stateFile = dir.resolve(Checkpoint.STATE), tensorFile = dir.resolve(Checkpoint.TENSORS);
            if (s.dIn() != feed.dim())
                throw new CheckpointException(stateFile, "the run trained on dimension " + s.dIn() + " but the feed has dimension " + feed.dim());
            ResumeGuard.check(stateFile, s, requested, feed.identity());
            ResumeGuard.requireFinite(tensorFile, c.tensors());
            try {
                feed.seek(s.feedPosition());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(stateFile, "feed position " + java.util.Arrays.toString(s.feedPosition()) + " does not fit the data: " + e.getMessage());
            }
            if (shared != null && (Float.floatToIntBits(s.inputScale()) != Float.floatToIntBits(shared.scale())
                    || s.config().batchSize() != shared.scaled().rows()))
                throw new CheckpointException(stateFile, "input scale " + s.inputScale() + " and batch " + s.config().batchSize()
                        + " differ from the group's (" + shared.scale() + ", " + shared.scaled().rows() + ")");
            BatchInput input = shared != null ? shared : new BatchInput(backend, feed, s.config().batchSize(), s.inputScale());
            Trainer t = new Trainer(backend, s.config(), input, shared == null);
            try {
                for (Map.Entry<String, Matrix> e : t.tensors().entrySet()) {
                    Matrix saved = c.tensors().get(e.getKey());
                    if (saved == null) throw new CheckpointException(tensorFile, "tensor '" + e.getKey() + "' is missing");
                    if (saved.rows() != e.getValue().rows() || saved.cols() != e.getValue().cols())
                        throw new CheckpointException(tensorFile, "tensor '" + e.getKey() + "' has shape " + saved.shape() + ", expected " + e.getValue().shape());
                    backend.upload(saved, e.getValue());
                }
            } catch (CheckpointException e) {
                t.close();
                throw e;
            }
            t.step = s.step();
            t.divergence.checkpointed(dir, s.step());
            t.thresholdSum = s.thresholdSum();
            t.thresholdCount = s.thresholdCount();
            return t;
        }
    }

    public TrainConfig config() { return cfg; }

    /** Steps done so far. */
    public long step() { return step; }

    /** Whether every step of the configured run is done. */
    public boolean finished() { return step >= cfg.steps(); }

    /** Runs up to {@code maxSteps} more steps (fewer at the end of the run), reporting to {@code listener} (may be null). */
    public void run(long maxSteps, ProgressListener listener) {
        long end = endAfter(maxSteps);
        while (step < end) {
            markWindow();
            input.next();
            advance(end, listener);
        }
    }

    /** Starts the throughput window of the next report when none is open; called before the batch is read, so reading counts. */
    void markWindow() {
        if (windowSteps == 0) windowStart = System.nanoTime();
    }

    /** The step a call of {@code maxSteps} more ends at (fewer at the end of the run). */
    long endAfter(long maxSteps) {
        // Remaining steps first: step + maxSteps would overflow for "run everything" (Long.MAX_VALUE).
        return step + Math.min(cfg.steps() - step, Math.max(0, maxSteps));
    }

    /** One step on the batch now in the input, in a call that ends at step {@code end}. */
    void advance(long end, ProgressListener listener) {
        boolean report = (step + 1) % cfg.logEvery() == 0 || step + 1 == cfg.steps();
        // The last step of a call is measured too: a checkpoint may follow it, and must not save a diverged run.
        boolean check = report || step + 1 == end;
        StepStats stats = trainStep(check);
        if (check) divergence.require(weights, step, stats);
        if (report) {
            TrainProgress p = progress(stats);
            if (listener != null) listener.onProgress(p);
        }
    }

    /** Runs the remaining steps. */
    public void runToEnd(ProgressListener listener) { run(cfg.steps() - step, listener); }

    private StepStats trainStep(boolean measure) {
        objective.forward(weights);
        // As dictionary_learning: the counters include this batch before the aux-k mask is taken.
        backend.updateSinceFired(objective.codes(), cfg.batchSize(), sinceFired);
        Matrix dead = null;
        if (cfg.usesAuxK()) {
            backend.greaterEqual(sinceFired, cfg.deadTokens(), deadMask);
            dead = deadMask;
        }
        StepStats stats = objective.backward(weights, grads, schedule.sparsityScale(step), dead, measure);
        if (cfg.architecture() == Architecture.BATCHTOPK && step >= cfg.thresholdStartStep() && !Float.isNaN(objective.smallestKept())) {
            thresholdSum += objective.smallestKept();
            thresholdCount++;
        }
        float lr = (float) schedule.lr(step), beta1 = (float) cfg.adamBeta1(), beta2 = (float) cfg.adamBeta2(), eps = (float) cfg.adamEps();
        List<ParameterSet.Named> w = weights.named(), g = grads.named(), m = adamM.named(), v = adamV.named();
        for (int i = 0; i < w.size(); i++) {
            Matrix p = w.get(i).matrix(), gp = g.get(i).matrix(), mp = m.get(i).matrix(), vp = v.get(i).matrix();
            // Unit-norm decoder rows: gradient projected onto the tangent space, Adam, rows renormalised (one pass where the backend fuses it).
            if (cfg.constrainsDecoder() && p == weights.wDec()) backend.adamUnitRows(p, gp, mp, vp, lr, beta1, beta2, eps, step + 1);
            else backend.adam(p, gp, mp, vp, lr, beta1, beta2, eps, step + 1);
        }
        if (weights.theta() != null) backend.clampMin(weights.theta(), MIN_THRESHOLD);
        step++;
        windowCodes += stats.activeCodes();
        windowSteps++;
        return stats;
    }

    private TrainProgress progress(StepStats s) {
        double seconds = Math.max(1e-9, (System.nanoTime() - windowStart) / 1e9);
        backend.greaterEqual(sinceFired, cfg.deadTokens(), deadMask);
        double dead = backend.sumSquares(deadMask) / cfg.width();
        double l0 = (double) windowCodes / (windowSteps * cfg.batchSize());
        double tokensPerSecond = windowSteps * cfg.batchSize() / seconds;
        windowCodes = 0;
        windowSteps = 0;
        return new TrainProgress(step, cfg.steps(), step * cfg.batchSize(), tokensPerSecond, schedule.lr(step - 1),
                s.loss(cfg.usesAuxK() ? cfg.auxAlpha() : 0), s.reconLoss() / dIn, l0, dead, s.auxLoss());
    }

    /**
     * BatchTopK: the inference threshold so far, the mean of the smallest kept activation over the
     * batches from {@code thresholdStartStep} on (NaN before that step).
     */
    public double batchThreshold() { return thresholdCount == 0 ? Double.NaN : thresholdSum / thresholdCount; }

    /**
     * The SAE as trained so far, in host memory (the caller closes it). BatchTopK gets its global θ
     * in every threshold entry, JumpReLU its θ_i.
     *
     * @throws IllegalStateException for BatchTopK before any batch entered the threshold estimate
     */
    public Sae result() {
        divergence.require(weights, step);
        Sae sae = new Sae(cfg.architecture(), dIn, cfg.width(), cfg.k(), cfg.centreInput());
        sae.setInputScale(inputScale);
        weights.downloadInto(backend, sae);
        if (cfg.architecture() == Architecture.BATCHTOPK) {
            if (thresholdCount == 0) {
                sae.close();
                throw new IllegalStateException("BatchTopK threshold not estimated yet: step " + step
                        + " has not passed the threshold start step " + cfg.thresholdStartStep());
            }
            sae.threshold().fill((float) batchThreshold());
        }
        sae.metadata().put("trained_tokens", step * cfg.batchSize());
        return sae;
    }

    /**
     * Saves the run to {@code dir} (atomically, see {@link Checkpoint}).
     *
     * @throws TrainingDivergedException when the weights are no longer finite; {@code dir} is left as it was
     */
    public void checkpoint(Path dir) {
        divergence.require(weights, step);
        try (Arena tmp = Arena.ofConfined()) {
            Map<String, Matrix> host = new LinkedHashMap<>();
            for (Map.Entry<String, Matrix> e : tensors().entrySet()) {
                Matrix h = Matrix.allocate(tmp, e.getValue().rows(), e.getValue().cols());
                backend.download(e.getValue(), h);
                host.put(e.getKey(), h);
            }
            Checkpoint.write(dir, new Checkpoint.State(Checkpoint.FORMAT, cfg, dIn, step, inputScale,
                    thresholdSum, thresholdCount, input.position(), input.identity()), host);
        }
        divergence.checkpointed(dir, step);
    }

    /** Every backend matrix a checkpoint holds, by name. */
    private Map<String, Matrix> tensors() {
        Map<String, Matrix> all = new LinkedHashMap<>();
        for (ParameterSet.Named p : weights.named()) all.put(p.name(), p.matrix());
        for (ParameterSet.Named p : adamM.named()) all.put(ADAM_M + p.name(), p.matrix());
        for (ParameterSet.Named p : adamV.named()) all.put(ADAM_V + p.name(), p.matrix());
        all.put(SINCE_FIRED, sinceFired);
        return all;
    }

    @Override public void close() {
        objective.close();
        if (ownsInput) input.close();
        arena.close();
    }
}
