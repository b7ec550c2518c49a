package dev.saestitch.synth;

/**
 * The true features emitted in one row and their magnitudes, in the order the generator added
 * them. A firing parent appears as the child it emitted (see {@link TrueFeatures#parentOf}).
 */
public record ActiveFeatures(int[] features, float[] magnitudes) {
    public ActiveFeatures {
        if (features.length != magnitudes.length)
            throw new IllegalArgumentException(features.length + " features but " + magnitudes.length + " magnitudes");
    }

    public int count() { return features.length; }
}
