package dev.saestitch.backend.cpu;

/**
 * Float32 dot products summed in four interleaved lanes (entry c goes to lane c mod 4, the lanes
 * added pairwise at the end), so that independent chains of additions hide the adder's latency
 * that one chain waits on. Each lane adds about n/4 products, hence the bound
 * |dot − exact| ≤ (n/4 + 3)·2⁻²⁴·Σ|a_c·b_c| (LaneDotsTest checks it against float64 sums).
 */
final class LaneDots {

    private LaneDots() {}

    /** ⟨a, b⟩ over [0, n). */
    static float one(float[] a, float[] b, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int c = 0;
        for (; c + 4 <= n; c += 4) {
            s0 += a[c] * b[c];
            s1 += a[c + 1] * b[c + 1];
            s2 += a[c + 2] * b[c + 2];
            s3 += a[c + 3] * b[c + 3];
        }
        for (; c < n; c++) s0 += a[c] * b[c];
        return (s0 + s1) + (s2 + s3);
    }

    /** out[j] = ⟨a, b_j⟩ over [0, n) for the four b_j: each entry of a is loaded once for all four, summed as {@link #one} sums. */
    static void four(float[] a, float[] b0, float[] b1, float[] b2, float[] b3, int n, float[] out) {
        float p0 = 0, p1 = 0, p2 = 0, p3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        float r0 = 0, r1 = 0, r2 = 0, r3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        int c = 0;
        for (; c + 4 <= n; c += 4) {
            float x0 = a[c], x1 = a[c + 1], x2 = a[c + 2], x3 = a[c + 3];
            p0 += x0 * b0[c]; p1 += x1 * b0[c + 1]; p2 += x2 * b0[c + 2]; p3 += x3 * b0[c + 3];
            q0 += x0 * b1[c]; q1 += x1 * b1[c + 1]; q2 += x2 * b1[c + 2]; q3 += x3 * b1[c + 3];
            r0 += x0 * b2[c]; r1 += x1 * b2[c + 1]; r2 += x2 * b2[c + 2]; r3 += x3 * b2[c + 3];
            t0 += x0 * b3[c]; t1 += x1 * b3[c + 1]; t2 += x2 * b3[c + 2]; t3 += x3 * b3[c + 3];
        }
        for (; c < n; c++) {
            float x = a[c];
            p0 += x * b0[c];
            q0 += x * b1[c];
            r0 += x * b2[c];
            t0 += x * b3[c];
        }
        out[0] = (p0 + p1) + (p2 + p3);
        out[1] = (q0 + q1) + (q2 + q3);
        out[2] = (r0 + r1) + (r2 + r3);
        out[3] = (t0 + t1) + (t2 + t3);
    }
}
