package dev.saestitch.tests;

import dev.saestitch.cli.Main;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.SaeReference;
import dev.saestitch.tensor.Matrix;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Helpers of the match and meta command tests: planted SAEs on disk, and one run of the command line. */
final class MatchSaes {

    /** Where the real OthelloGPT SAEs are (see the data README); tests skip when it is missing. */
    static final Path OTHELLO = Path.of(System.getProperty("saestitch.data", "../fixtures"), "othello-gpt-saes");

    private MatchSaes() {}

    /** The exit code and both streams of one command. */
    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** A JumpReLU SAE with random weights (the engine tests' {@link SaeReference#random}). */
    static Sae random(long seed, int dIn, int width) { return SaeReference.random(Architecture.JUMPRELU, dIn, width, 0, true, 1f, seed); }

    /** A copy of {@code sae} whose latent j is latent perm[j] of the original (rows of W_enc, b_enc, W_dec, θ moved together). */
    static Sae permuted(Sae sae, int[] perm) {
        Sae p = sae.copy();
        for (int j = 0; j < perm.length; j++) {
            copyRow(sae.wEnc(), perm[j], p.wEnc(), j);
            copyRow(sae.wDec(), perm[j], p.wDec(), j);
            p.bEnc().setFlat(j, sae.bEnc().getFlat(perm[j]));
            p.threshold().setFlat(j, sae.threshold().getFlat(perm[j]));
        }
        return p;
    }

    /** A seeded random permutation of [0, n) (Fisher–Yates). */
    static int[] permutation(long seed, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static Path save(Sae sae, Path dir) {
        try (sae) {
            SaeFiles.save(sae, dir);
        }
        return dir;
    }

    private static void copyRow(Matrix from, int r, Matrix to, int s) {
        for (int c = 0; c < from.cols(); c++) to.set(s, c, from.get(r, c));
    }
}
