package dev.saestitch.train;

import dev.saestitch.sae.Architecture;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A float64 reference of the training objective of each architecture with its own analytic
 * gradient, written from the SPEC with plain arrays and loops, independently of the backend code.
 * The aux-k residual is passed in explicitly so that finite differences see it as a constant
 * (it is detached in the objective).
 */
final class ReferenceSae {

    /** Parameter tensors, in the order of {@link #tensor(int)}. */
    static final String[] NAMES = {"W_enc", "b_enc", "W_dec", "b_dec", "theta"};

    final Architecture arch;
    final int d, f, k;
    final boolean centre;
    final double scale;
    double[][] wEnc, wDec;   // (F, D)
    double[] bEnc, bDec;     // (F), (D)
    double[] theta;          // (F) JumpReLU
    // objective options
    double lambda;           // L1 (ReLU) or L0 (JumpReLU) coefficient, warm-up factor applied
    double targetL0;         // JumpReLU: > 0 selects λ(l0/T − 1)²
    double bandwidth;        // JumpReLU ε
    int kAux;
    double auxAlpha;
    boolean[] dead;          // aux-k eligibility; null: no aux-k

    ReferenceSae(Architecture arch, int d, int f, int k, boolean centre, double scale) {
        this.arch = arch;
        this.d = d;
        this.f = f;
        this.k = k;
        this.centre = centre;
        this.scale = scale;
        wEnc = new double[f][d];
        wDec = new double[f][d];
        bEnc = new double[f];
        bDec = new double[d];
        theta = new double[f];
    }

    /** The parameter tensors as rows of a matrix (vectors as one row), shared with this object. */
    double[][] tensor(int p) {
        return switch (p) {
            case 0 -> wEnc;
            case 1 -> new double[][] {bEnc};
            case 2 -> wDec;
            case 3 -> new double[][] {bDec};
            case 4 -> new double[][] {theta};
            default -> throw new IllegalArgumentException("parameter " + p);
        };
    }

    /** Everything the forward pass computes. */
    static final class Forward {
        double[][] xs, in, z, fv, xHat;   // scaled input, encoder input, pre-acts, codes (dense), reconstruction
        boolean[][] active;
        boolean[][] aux;                  // aux-k selection (dead latents)
        int nnz;
    }

    Forward forward(double[][] x) {
        int b = x.length;
        Forward fw = new Forward();
        fw.xs = new double[b][d];
        fw.in = new double[b][d];
        fw.z = new double[b][f];
        for (int r = 0; r < b; r++)
            for (int c = 0; c < d; c++) {
                fw.xs[r][c] = x[r][c] * scale;
                fw.in[r][c] = fw.xs[r][c] - (centre ? bDec[c] : 0);
            }
        for (int r = 0; r < b; r++)
            for (int i = 0; i < f; i++) {
                double s = bEnc[i];
                for (int c = 0; c < d; c++) s += fw.in[r][c] * wEnc[i][c];
                fw.z[r][i] = s;
            }
        fw.active = select(fw.z);
        fw.fv = new double[b][f];
        for (int r = 0; r < b; r++)
            for (int i = 0; i < f; i++)
                if (fw.active[r][i]) {
                    fw.fv[r][i] = fw.z[r][i];
                    fw.nnz++;
                }
        fw.xHat = decode(fw.fv, true);
        fw.aux = dead == null ? null : auxSelect(fw.z);
        return fw;
    }

    private boolean[][] select(double[][] z) {
        int b = z.length;
        boolean[][] a = new boolean[b][f];
        switch (arch) {
            case RELU -> { for (int r = 0; r < b; r++) for (int i = 0; i < f; i++) a[r][i] = z[r][i] > 0; }
            case JUMPRELU -> { for (int r = 0; r < b; r++) for (int i = 0; i < f; i++) a[r][i] = z[r][i] > theta[i]; }
            case TOPK -> { for (int r = 0; r < b; r++) for (int i : topPositive(z[r], null, k)) a[r][i] = true; }
            case BATCHTOPK -> {
                List<int[]> entries = new ArrayList<>();
                for (int r = 0; r < b; r++) for (int i = 0; i < f; i++) if (z[r][i] > 0) entries.add(new int[] {r, i});
                entries.sort(Comparator.comparingDouble((int[] e) -> -z[e[0]][e[1]]));
                for (int n = 0; n < Math.min(entries.size(), b * k); n++) a[entries.get(n)[0]][entries.get(n)[1]] = true;
            }
        }
        return a;
    }

    private boolean[][] auxSelect(double[][] z) {
        boolean[][] a = new boolean[z.length][f];
        for (int r = 0; r < z.length; r++) for (int i : topPositive(z[r], dead, kAux)) a[r][i] = true;
        return a;
    }

    /** Indices of the (up to) n largest positive entries among the eligible ones. */
    private int[] topPositive(double[] row, boolean[] eligible, int n) {
        Integer[] idx = new Integer[row.length];
        int m = 0;
        for (int i = 0; i < row.length; i++) if (row[i] > 0 && (eligible == null || eligible[i])) idx[m++] = i;
        Integer[] cand = Arrays.copyOf(idx, m);
        Arrays.sort(cand, Comparator.comparingDouble((Integer i) -> -row[i]));
        int[] out = new int[Math.min(n, m)];
        for (int j = 0; j < out.length; j++) out[j] = cand[j];
        return out;
    }

    /** codes·W_dec (+ b_dec). */
    double[][] decode(double[][] codes, boolean bias) {
        double[][] out = new double[codes.length][d];
        for (int r = 0; r < codes.length; r++) {
            if (bias) out[r] = bDec.clone();
            for (int i = 0; i < f; i++) if (codes[r][i] != 0) for (int c = 0; c < d; c++) out[r][c] += codes[r][i] * wDec[i][c];
        }
        return out;
    }

    /** e = x·s − x̂ at the current parameters: what aux-k holds constant. */
    double[][] residual(double[][] x) {
        Forward fw = forward(x);
        double[][] e = new double[x.length][d];
        for (int r = 0; r < x.length; r++) for (int c = 0; c < d; c++) e[r][c] = fw.xs[r][c] - fw.xHat[r][c];
        return e;
    }

    /** The loss terms {recon, sparsity, aux (before α)} with the aux residual e0 held constant. */
    double[] lossTerms(double[][] x, double[][] e0) {
        Forward fw = forward(x);
        int b = x.length;
        double recon = 0;
        for (int r = 0; r < b; r++) for (int c = 0; c < d; c++) recon += sq(fw.xHat[r][c] - fw.xs[r][c]);
        recon /= b;
        double sparsity = 0;
        if (arch == Architecture.RELU) {
            for (int r = 0; r < b; r++) for (int i = 0; i < f; i++) sparsity += fw.fv[r][i] * norm(wDec[i]);
            sparsity *= lambda / b;
        } else if (arch == Architecture.JUMPRELU) {
            double l0 = (double) fw.nnz / b;
            sparsity = targetL0 > 0 ? lambda * sq(l0 / targetL0 - 1) : lambda * l0;
        }
        double aux = 0;
        if (fw.aux != null && any(fw.aux)) {
            double[][] auxCodes = new double[b][f];
            for (int r = 0; r < b; r++) for (int i = 0; i < f; i++) if (fw.aux[r][i]) auxCodes[r][i] = fw.z[r][i];
            double[][] eHat = decode(auxCodes, false);
            double num = 0;
            for (int r = 0; r < b; r++) for (int c = 0; c < d; c++) num += sq(e0[r][c] - eHat[r][c]);
            aux = num / variance(e0);
        }
        return new double[] {recon, sparsity, aux};
    }

    double loss(double[][] x, double[][] e0) {
        double[] t = lossTerms(x, e0);
        return t[0] + t[1] + auxAlpha * t[2];
    }

    /** Analytic gradient of {@link #loss} (θ by the SPEC's straight-through estimators), same layout as {@link #tensor}. */
    double[][][] gradient(double[][] x) {
        Forward fw = forward(x);
        int b = x.length;
        double[][] gWEnc = new double[f][d], gWDec = new double[f][d];
        double[] gBEnc = new double[f], gBDec = new double[d], gTheta = new double[f];
        double[][] g = new double[b][d];     // ∂L/∂x̂
        for (int r = 0; r < b; r++) for (int c = 0; c < d; c++) g[r][c] = 2.0 / b * (fw.xHat[r][c] - fw.xs[r][c]);
        double[][] dz = new double[b][f];    // ∂L/∂z
        for (int r = 0; r < b; r++) {
            for (int c = 0; c < d; c++) gBDec[c] += g[r][c];
            for (int i = 0; i < f; i++) {
                if (!fw.active[r][i]) continue;
                for (int c = 0; c < d; c++) gWDec[i][c] += fw.fv[r][i] * g[r][c];
                dz[r][i] += dot(g[r], wDec[i]);
            }
        }
        if (arch == Architecture.RELU) {
            for (int i = 0; i < f; i++) {
                double n = norm(wDec[i]), s = 0;
                for (int r = 0; r < b; r++) if (fw.active[r][i]) {
                    dz[r][i] += lambda / b * n;
                    s += fw.fv[r][i];
                }
                for (int c = 0; c < d; c++) gWDec[i][c] += lambda / b * s * wDec[i][c] / n;
            }
        }
        if (arch == Architecture.JUMPRELU) {
            double l0 = (double) fw.nnz / b;
            double slope = targetL0 > 0 ? 2 * lambda * (l0 / targetL0 - 1) / targetL0 : lambda;
            for (int r = 0; r < b; r++)
                for (int i = 0; i < f; i++) {
                    if (Math.abs(fw.z[r][i] - theta[i]) >= bandwidth / 2) continue; // rectangle kernel K((z−θ)/ε)
                    gTheta[i] += dot(g[r], wDec[i]) * (-theta[i] / bandwidth);   // ∂f/∂θ ≈ −(θ/ε)K
                    gTheta[i] += slope * (-1.0 / (b * bandwidth));                 // ∂l0/∂θ ≈ −(1/(Bε))K
                }
        }
        if (fw.aux != null && any(fw.aux)) {
            double[][] e0 = residual(x);
            double[][] auxCodes = new double[b][f];
            for (int r = 0; r < b; r++) for (int i = 0; i < f; i++) if (fw.aux[r][i]) auxCodes[r][i] = fw.z[r][i];
            double[][] eHat = decode(auxCodes, false);
            double c2 = 2 * auxAlpha / variance(e0);
            for (int r = 0; r < b; r++) {
                double[] res = new double[d];
                for (int c = 0; c < d; c++) res[c] = eHat[r][c] - e0[r][c];
                for (int i = 0; i < f; i++) {
                    if (!fw.aux[r][i]) continue;
                    for (int c = 0; c < d; c++) gWDec[i][c] += c2 * fw.z[r][i] * res[c];
                    dz[r][i] += c2 * dot(res, wDec[i]);
                }
            }
        }
        for (int r = 0; r < b; r++)
            for (int i = 0; i < f; i++) {
                if (dz[r][i] == 0) continue;
                gBEnc[i] += dz[r][i];
                for (int c = 0; c < d; c++) gWEnc[i][c] += dz[r][i] * fw.in[r][c];
            }
        if (centre)
            for (int i = 0; i < f; i++) for (int c = 0; c < d; c++) gBDec[c] -= gBEnc[i] * wEnc[i][c];
        return new double[][][] {gWEnc, {gBEnc}, gWDec, {gBDec}, {gTheta}};
    }

    /** The smallest distance of any pre-activation to a point where the selection would change. */
    double selectionMargin(double[][] x) {
        Forward fw = forward(x);
        double m = Double.POSITIVE_INFINITY;
        int b = x.length;
        for (int r = 0; r < b; r++)
            for (int i = 0; i < f; i++) {
                double z = fw.z[r][i];
                m = Math.min(m, Math.abs(z)); // ReLU kink and the positivity of TopK candidates
                if (arch == Architecture.JUMPRELU) {
                    m = Math.min(m, Math.abs(z - theta[i]));
                    m = Math.min(m, Math.abs(Math.abs(z - theta[i]) - bandwidth / 2));
                }
            }
        if (arch == Architecture.TOPK || dead != null)
            for (int r = 0; r < b; r++) {
                if (arch == Architecture.TOPK) m = Math.min(m, gapAt(fw.z[r], null, k));
                if (dead != null) m = Math.min(m, gapAt(fw.z[r], dead, kAux));
            }
        if (arch == Architecture.BATCHTOPK) {
            double[] all = new double[b * f];
            for (int r = 0; r < b; r++) System.arraycopy(fw.z[r], 0, all, r * f, f);
            m = Math.min(m, gapAt(all, null, b * k));
        }
        return m;
    }

    /** Gap between the n-th and (n+1)-th largest eligible values (infinite when there are at most n). */
    private static double gapAt(double[] row, boolean[] eligible, int n) {
        double[] v = new double[row.length];
        int m = 0;
        for (int i = 0; i < row.length; i++) if (eligible == null || eligible[i % eligible.length]) v[m++] = row[i];
        if (m <= n) return Double.POSITIVE_INFINITY;
        double[] s = Arrays.copyOf(v, m);
        Arrays.sort(s);
        return s[m - n] - s[m - n - 1];
    }

    private static double variance(double[][] e) {
        int b = e.length, d = e[0].length;
        double total = 0;
        for (int c = 0; c < d; c++) {
            double mean = 0;
            for (double[] row : e) mean += row[c];
            mean /= b;
            for (double[] row : e) total += sq(row[c] - mean);
        }
        return total;
    }

    private static boolean any(boolean[][] a) {
        for (boolean[] row : a) for (boolean v : row) if (v) return true;
        return false;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double norm(double[] a) { return Math.sqrt(dot(a, a)); }

    private static double sq(double v) { return v * v; }
}
