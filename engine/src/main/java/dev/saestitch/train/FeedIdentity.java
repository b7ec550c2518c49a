package dev.saestitch.train;

/**
 * What a checkpoint records about the data a run trained on, so that a resume can prove it is
 * given the same data in the same order.
 *
 * @param description one line naming the data, for messages (not compared: the same file may move)
 * @param rows        N
 * @param dim         D
 * @param fingerprint a digest of N, D and sampled rows ({@link dev.saestitch.data.DataFingerprint})
 * @param orderSeed   the seed of the data order
 */
public record FeedIdentity(String description, long rows, int dim, String fingerprint, long orderSeed) {

    /** Whether {@code other} is the same data in the same order. */
    boolean sameDataAs(FeedIdentity other) {
        return rows == other.rows && dim == other.dim && fingerprint.equals(other.fingerprint) && orderSeed == other.orderSeed;
    }
}
