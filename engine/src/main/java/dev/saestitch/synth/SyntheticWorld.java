package dev.saestitch.synth;

import dev.saestitch.data.ActivationSource;
import dev.saestitch.data.Seeds;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntToLongFunction;
import java.util.stream.IntStream;

/**
 * Activations with a known ground truth (SPEC §6), computed on demand: row r is a pure function of
 * (config, r), drawn from its own random stream seeded by (seed, r). Access is random, any order
 * and any thread gives the same floats, and nothing is stored but the directions and the offset.
 *
 * <p>One row: each parent fires with probability {@code parentFiringProbability} and emits one of
 * its children chosen uniformly; each independent feature fires with its power-law probability
 * (Bernoulli draws are exact and cost O(number fired), see {@link BernoulliSampler}); every event
 * gets a lognormal magnitude; then {@code x = offset + Σ m_e·d_e + N(0, noiseStd²)} summed in float
 * in that order. The event set and magnitudes depend only on the row's stream, so
 * {@link #activeFeatures(long)} replays exactly what {@link #read} emitted.
 *
 * <p>Rows are bit-identical for a given JDK (the Gaussian draws come from the JDK's ziggurat
 * sampler behind {@link SplittableRandom#nextGaussian()}; everything else is specified exactly).
 * Blocks of rows are generated in parallel on the common fork-join pool; threads never change the
 * result.
 */
public final class SyntheticWorld implements ActivationSource {

    private static final long ROW_SALT = 0x524F57L;
    private static final long OFFSET_SALT = 0x4F4646534554L;
    private static final int ROWS_PER_TASK = 256;
    private static final int ROWS_PER_SLAB = 16_384;  // bounds the heap staging buffer at 16384·D floats

    private final SyntheticConfig config;
    private final TrueFeatures truth;
    private final float[] directions;  // (T, D) unit rows, shared with truth
    private final float[] offset;      // (D) added to every row
    private final BernoulliSampler events; // items [0, P) are parents, [P, P+R) independents
    private final int childBase;       // feature id of parent 0's first child
    private final int independentBase; // feature id of the first independent

    public SyntheticWorld(SyntheticConfig config) {
        this.config = config;
        double[] independentProbability = PowerLaw.cappedProbabilities(config.independents(), config.powerLawExponent(),
                config.independentMeanActive(), config.maxFiringProbability());
        this.truth = TrueFeatures.generate(config, independentProbability);
        this.directions = truth.rawDirections();
        double[] unit = TrueFeatures.randomUnit(new SplittableRandom(Seeds.derive(config.seed(), OFFSET_SALT, 0)), config.dim());
        this.offset = new float[config.dim()];
        for (int i = 0; i < offset.length; i++) offset[i] = (float) (config.offsetNorm() * unit[i]);
        double[] eventProbability = new double[config.parents() + config.independents()];
        Arrays.fill(eventProbability, 0, config.parents(), config.parentFiringProbability());
        System.arraycopy(independentProbability, 0, eventProbability, config.parents(), config.independents());
        this.events = new BernoulliSampler(eventProbability);
        this.childBase = config.parents();
        this.independentBase = config.parents() * (1 + config.childrenPerParent());
    }

    public SyntheticConfig config() { return config; }

    public TrueFeatures trueFeatures() { return truth; }

    /** A copy of the offset vector added to every row. */
    public float[] offset() { return offset.clone(); }

    /** The expected number of emitted features per row: P·p_parent + Σ p_i. */
    public double expectedActivePerRow() {
        double sum = config.parents() * config.parentFiringProbability();
        for (int f : truth.ofKind(TrueFeatures.Kind.INDEPENDENT)) sum += truth.firingProbability(f);
        return sum;
    }

    @Override public int dim() { return config.dim(); }

    @Override public long rows() { return config.rows(); }

    @Override public String describe() {
        return String.format("synthetic world (D=%d, %d parents x %d children at cos %.2f, %d independents with p ~ i^-%.2f, "
                        + "%.1f active per row, N=%d, seed %d)", config.dim(), config.parents(), config.childrenPerParent(),
                config.childParentCosine(), config.independents(), config.powerLawExponent(), expectedActivePerRow(),
                config.rows(), config.seed());
    }

    @Override public void read(long[] ids, int from, Matrix out) {
        if (from < 0 || from + out.rows() > ids.length)
            throw new IndexOutOfBoundsException("ids [" + from + ", " + (from + out.rows()) + ") of an array of " + ids.length);
        generate(i -> ids[from + i], out);
    }

    /** Fills {@code out} (B×D) with rows [first, first + B). */
    public void writeRows(long first, Matrix out) {
        generate(i -> first + i, out);
    }

    /** The features emitted in {@code row}, with their magnitudes: the same draws {@link #read} uses. */
    public ActiveFeatures activeFeatures(long row) {
        checkRow(row);
        Scratch scratch = new Scratch();
        int n = sampleEvents(rowStream(row), scratch);
        return new ActiveFeatures(Arrays.copyOf(scratch.features, n), Arrays.copyOf(scratch.magnitudes, n));
    }

    private void generate(IntToLongFunction rowAt, Matrix out) {
        int d = config.dim();
        if (out.cols() != d)
            throw new IllegalArgumentException("matrix of " + out.cols() + " columns for " + describe());
        // Workers fill a heap buffer and the calling thread copies it out: `out` may belong to a
        // confined arena that other threads cannot touch.
        float[] staging = new float[Math.min(out.rows(), ROWS_PER_SLAB) * d];
        for (int slab = 0; slab < out.rows(); slab += ROWS_PER_SLAB) {
            int slabStart = slab;
            int slabRows = Math.min(ROWS_PER_SLAB, out.rows() - slab);
            for (int i = 0; i < slabRows; i++) checkRow(rowAt.applyAsLong(slabStart + i));
            IntStream.range(0, (slabRows + ROWS_PER_TASK - 1) / ROWS_PER_TASK).parallel().forEach(task -> {
                Scratch scratch = new Scratch();
                int end = Math.min(slabRows, (task + 1) * ROWS_PER_TASK);
                for (int i = task * ROWS_PER_TASK; i < end; i++)
                    generateRow(rowAt.applyAsLong(slabStart + i), staging, i * d, scratch);
            });
            MemorySegment.copy(staging, 0, out.data(), Matrix.FLOAT, (long) slabStart * d * Float.BYTES, slabRows * d);
        }
    }

    private void generateRow(long row, float[] dst, int at, Scratch scratch) {
        int d = config.dim();
        SplittableRandom rng = rowStream(row);
        int n = sampleEvents(rng, scratch);
        System.arraycopy(offset, 0, dst, at, d);
        for (int e = 0; e < n; e++) {
            float m = scratch.magnitudes[e];
            int base = scratch.features[e] * d;
            for (int i = 0; i < d; i++) dst[at + i] += m * directions[base + i];
        }
        double std = config.noiseStd();
        if (std > 0) for (int i = 0; i < d; i++) dst[at + i] += (float) (std * rng.nextGaussian());
    }

    /** Draws the row's events into scratch (emitted feature ids and magnitudes); returns their count. */
    private int sampleEvents(SplittableRandom rng, Scratch scratch) {
        int n = events.sample(rng, scratch.items);
        int p = config.parents(), c = config.childrenPerParent();
        double sigma = config.magnitudeLogStd();
        for (int e = 0; e < n; e++) {
            int item = scratch.items[e];
            // a firing parent contributes through exactly one of its children, chosen uniformly
            scratch.features[e] = item < p ? childBase + item * c + rng.nextInt(c) : independentBase + item - p;
            scratch.magnitudes[e] = sigma == 0 ? 1f : (float) StrictMath.exp(sigma * rng.nextGaussian());
        }
        return n;
    }

    private SplittableRandom rowStream(long row) { return new SplittableRandom(Seeds.derive(config.seed(), ROW_SALT, row)); }

    private void checkRow(long row) {
        if (row < 0 || row >= config.rows())
            throw new IndexOutOfBoundsException("row " + row + " outside [0, " + config.rows() + ") of " + describe());
    }

    /** Per-thread buffers, each large enough for every event firing at once. */
    private final class Scratch {
        final int[] items = new int[events.capacity()];
        final int[] features = new int[items.length];
        final float[] magnitudes = new float[items.length];
    }
}
