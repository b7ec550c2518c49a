package dev.saestitch.synth;

import dev.saestitch.data.Seeds;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The ground truth of a {@link SyntheticWorld}: T = P + P·c + R unit directions in R^D with
 * their labels. Feature ids: parents [0, P), then the children of parent j at
 * P + j·c + [0, c), then the independents at P + P·c + [0, R) in order of decreasing firing
 * probability.
 *
 * <p>A parent direction is never emitted itself: when a parent fires, one of its children is
 * emitted instead. What the parent contributes is the component its children share (each child
 * has cosine {@code childParentCosine} with it), which is why a small SAE that cannot afford one
 * latent per child learns the parent direction.
 */
public final class TrueFeatures {

    public enum Kind { PARENT, CHILD, INDEPENDENT }

    private static final long DIRECTION_SALT = 0x444952454354L;

    private final int dim;
    private final int parents;
    private final int childrenPerParent;
    private final float[] directions;       // (T, D) unit rows
    private final double[] firingProbability; // (T) per row; a parent's is the probability that any of its children fires

    private TrueFeatures(int dim, int parents, int childrenPerParent, float[] directions, double[] firingProbability) {
        this.dim = dim;
        this.parents = parents;
        this.childrenPerParent = childrenPerParent;
        this.directions = directions;
        this.firingProbability = firingProbability;
    }

    /** Draws the directions of {@code config}'s world from its seed, and labels them. */
    static TrueFeatures generate(SyntheticConfig config, double[] independentProbability) {
        int d = config.dim(), p = config.parents(), c = config.childrenPerParent(), r = config.independents();
        int t = config.trueFeatureCount();
        float[] dirs = new float[t * d];
        SplittableRandom rng = new SplittableRandom(Seeds.derive(config.seed(), DIRECTION_SALT, 0));
        // child = (parent + s·u) / ‖parent + s·u‖ with u ⟂ parent and unit, so cos(child, parent) = 1/√(1+s²) exactly
        double s = Math.sqrt(1.0 / (config.childParentCosine() * config.childParentCosine()) - 1.0);
        for (int j = 0; j < p; j++) {
            double[] parent = randomUnit(rng, d);
            store(dirs, j, parent);
            for (int k = 0; k < c; k++) {
                double[] u = randomUnit(rng, d);
                double along = dot(u, parent);
                for (int i = 0; i < d; i++) u[i] -= along * parent[i];
                normalise(u);
                double[] child = new double[d];
                for (int i = 0; i < d; i++) child[i] = parent[i] + s * u[i];
                normalise(child);
                store(dirs, p + j * c + k, child);
            }
        }
        for (int i = 0; i < r; i++) store(dirs, p + p * c + i, randomUnit(rng, d));

        double[] prob = new double[t];
        Arrays.fill(prob, 0, p, config.parentFiringProbability());
        Arrays.fill(prob, p, p + p * c, config.parentFiringProbability() / c);
        System.arraycopy(independentProbability, 0, prob, p + p * c, r);
        return new TrueFeatures(d, p, c, dirs, prob);
    }

    /** T, the number of true features (parents included). */
    public int count() { return firingProbability.length; }

    public int dim() { return dim; }

    public Kind kind(int feature) {
        checkIndex(feature);
        if (feature < parents) return Kind.PARENT;
        return feature < parents * (1 + childrenPerParent) ? Kind.CHILD : Kind.INDEPENDENT;
    }

    /** For a child, the feature id of its parent; −1 for parents and independents. */
    public int parentOf(int feature) {
        return kind(feature) == Kind.CHILD ? (feature - parents) / childrenPerParent : -1;
    }

    /** The probability that the feature is emitted in a row (for a parent: that any of its children is). */
    public double firingProbability(int feature) {
        checkIndex(feature);
        return firingProbability[feature];
    }

    /** The ids of every feature of one kind, ascending. */
    public int[] ofKind(Kind kind) {
        return IntStream.range(0, count()).filter(f -> kind(f) == kind).toArray();
    }

    /** A copy of one unit direction. */
    public float[] direction(int feature) {
        checkIndex(feature);
        return Arrays.copyOfRange(directions, feature * dim, (feature + 1) * dim);
    }

    /** A copy of all directions, (T, D) unit rows in feature-id order, owned by {@code arena}. */
    public Matrix directions(Arena arena) { return Matrix.of(arena, count(), dim, directions); }

    /** The (T, D) row-major directions themselves, for the generator's inner loop; never modified. */
    float[] rawDirections() { return directions; }

    private void checkIndex(int feature) {
        if (feature < 0 || feature >= count())
            throw new IndexOutOfBoundsException("true feature " + feature + " outside [0, " + count() + ")");
    }

    static double[] randomUnit(SplittableRandom rng, int d) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) v[i] = rng.nextGaussian();
        normalise(v);
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static void normalise(double[] v) {
        double norm = Math.sqrt(dot(v, v));
        for (int i = 0; i < v.length; i++) v[i] /= norm;
    }

    private static void store(float[] dirs, int row, double[] v) {
        for (int i = 0; i < v.length; i++) dirs[row * v.length + i] = (float) v[i];
    }
}
