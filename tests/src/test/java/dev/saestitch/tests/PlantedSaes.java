package dev.saestitch.tests;

import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.synth.SyntheticConfig;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.synth.TrueFeatures;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * "Oracle" SAEs of a small synthetic world (SPEC §6) with little superposition (D = 64, 8 parents
 * × 4 children at cosine 0.8, 48 independents by decreasing frequency, about 3 features per row),
 * so that encoders equal to the true directions work: every latent is a true feature direction,
 * encoder row = decoder row, b_dec = the world's offset, centred (z = (x − b_dec)·d + b_enc). The
 * papers' structure is then known by construction:
 * <ul>
 *   <li>SMALL (ReLU, b_enc = −0.5): the 8 parents and the 16 most frequent independents;</li>
 *   <li>LARGE (JumpReLU, θ = 0.5 for independents and 0.9 for children, whose siblings sit at
 *       cosine ≈ 0.64; or TopK, k = 4): the 32 children and all 48 independents.</li>
 * </ul>
 * So LARGE's 32 rarer independents are novel (no counterpart in SMALL), its first 16 independents
 * are SMALL's own (16 families of 1 + 1), and each parent with its 4 children is a family of
 * 1 + 4: 24 families.
 */
final class PlantedSaes {

    static final int D = 64;
    static final int SMALL_INDEPENDENTS = 16;

    private PlantedSaes() {}

    static SyntheticConfig world() {
        return new SyntheticConfig(D, 8, 4, 0.8, 0.1, 48, 1.1, 2.0, 0.25, 0.3, 3.0, 0.02, 1 << 16, 7);
    }

    static void writeSmall(Path dir) {
        try (SyntheticWorld w = new SyntheticWorld(world())) {
            TrueFeatures t = w.trueFeatures();
            int[] independents = t.ofKind(TrueFeatures.Kind.INDEPENDENT);
            int[] features = IntStream.concat(IntStream.of(t.ofKind(TrueFeatures.Kind.PARENT)),
                    IntStream.of(independents).limit(SMALL_INDEPENDENTS)).toArray();
            write(dir, w, features, Architecture.RELU, 0, -0.5f);
        }
    }

    /** @param arch JUMPRELU or TOPK */
    static void writeLarge(Path dir, Architecture arch) {
        try (SyntheticWorld w = new SyntheticWorld(world())) {
            TrueFeatures t = w.trueFeatures();
            int[] features = IntStream.concat(IntStream.of(t.ofKind(TrueFeatures.Kind.CHILD)), IntStream.of(t.ofKind(TrueFeatures.Kind.INDEPENDENT))).toArray();
            write(dir, w, features, arch, 4, 0f);
        }
    }

    /** An SAE on another dimension, to be refused next to one of the above. */
    static void writeOtherDimension(Path dir) {
        try (Sae sae = new Sae(Architecture.RELU, D + 3, 8, 0, false)) {
            for (int i = 0; i < 8; i++) {
                sae.wDec().set(i, i, 1f);
                sae.wEnc().set(i, i, 1f);
            }
            SaeFiles.save(sae, dir);
        }
    }

    /** The world's first {@code rows} rows as a float32 .npy file. */
    static void writeRows(Path file, int rows) {
        try (SyntheticWorld w = new SyntheticWorld(world()); Arena arena = Arena.ofConfined()) {
            Matrix x = Matrix.allocate(arena, rows, D);
            w.writeRows(0, x);
            Npy.write(file, x, DType.F32);
        }
    }

    private static void write(Path dir, SyntheticWorld w, int[] features, Architecture arch, int k, float bEnc) {
        try (Sae sae = new Sae(arch, D, features.length, arch == Architecture.TOPK ? k : 0, true)) {
            float[] offset = w.offset();
            for (int c = 0; c < D; c++) sae.bDec().set(0, c, offset[c]);
            for (int i = 0; i < features.length; i++) {
                float[] d = w.trueFeatures().direction(features[i]);
                for (int c = 0; c < D; c++) {
                    sae.wDec().set(i, c, d[c]);
                    sae.wEnc().set(i, c, d[c]);
                }
                sae.bEnc().set(0, i, bEnc);
                if (arch == Architecture.JUMPRELU) sae.threshold().set(0, i, w.trueFeatures().kind(features[i]) == TrueFeatures.Kind.CHILD ? 0.9f : 0.5f);
            }
            SaeFiles.save(sae, dir);
        }
    }
}
