package dev.saestitch.data;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A cheap identity of an activation source: SHA-256 over N, D and {@value #SAMPLES} rows spread
 * evenly from the first to the last (every row when there are fewer). Reading 64 rows of a mapped
 * file costs a few page faults, so a resumed run can afford it; a different file, a truncated or
 * extended one, or a synthetic world of another seed or dimension gives a different value (the
 * same file under another path gives the same one).
 */
public final class DataFingerprint {

    static final int SAMPLES = 64;

    private DataFingerprint() {}

    /** 32 hex digits (the first 128 bits of the digest). */
    public static String of(ActivationSource source) {
        long n = source.rows();
        int d = source.dim(), count = (int) Math.min(SAMPLES, n);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) ids[i] = count == 1 ? 0 : Math.round((double) i * (n - 1) / (count - 1));
        MessageDigest sha = sha256();
        sha.update(ByteBuffer.allocate(Long.BYTES + Integer.BYTES).putLong(n).putInt(d).array());
        if (count > 0) {
            try (Arena arena = Arena.ofShared()) {    // shared: a source may fill the rows from several threads
                Matrix rows = Matrix.allocate(arena, count, d);
                source.read(ids, 0, rows);
                ByteBuffer bits = ByteBuffer.allocate(Float.BYTES * d);
                for (int r = 0; r < count; r++) {
                    bits.clear();
                    for (int c = 0; c < d; c++) bits.putInt(Float.floatToRawIntBits(rows.get(r, c)));
                    sha.update(bits.array());
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
