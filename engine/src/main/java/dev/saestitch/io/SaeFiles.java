package dev.saestitch.io;


import dev.saestitch.input.MachineMemory;
import dev.saestitch.sae.Autoencoder;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Loads SAEs in the SAELens or sparsify layout (told apart by their weight file) and saves them in SAELens's. */
public final class SaeFiles {

    private SaeFiles() {}

    /**
     * Loads the SAE in {@code path}: its directory, or any file inside it (cfg.json, the weights).
     * The returned SAE owns its memory; close it.
     */
    public static Sae load(Path path) {
        if (!Files.exists(path)) throw new SaeFileException(path, MissingPath.why(path, "no such file or directory"));
        if (!Files.isDirectory(path) && !isSaeFile(path.getFileName().toString()))
            throw new SaeFileException(path, "is a file, not an SAE directory (one holding cfg.json and " + SaeLensFormat.WEIGHTS_FILE
                    + " or " + SparsifyFormat.WEIGHTS_FILE + ")");
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        if (Files.exists(dir.resolve(SaeLensFormat.WEIGHTS_FILE))) {
            requireFitsInMemory(dir.resolve(SaeLensFormat.WEIGHTS_FILE));
            return SaeLensFormat.read(dir);
        }
        if (Files.exists(dir.resolve(SparsifyFormat.WEIGHTS_FILE))) {
            requireFitsInMemory(dir.resolve(SparsifyFormat.WEIGHTS_FILE));
            return SparsifyFormat.read(dir);
        }
        List<String> inside = saeSubdirectories(dir);
        throw new SaeFileException(dir, "holds neither " + SaeLensFormat.WEIGHTS_FILE + " (SAELens) nor " + SparsifyFormat.WEIGHTS_FILE
                + " (sparsify)" + (inside.isEmpty() ? "" : "; it has SAE subdirectories " + SaeFileException.quote(inside) + ", pick one"));
    }

    /**
     * Refuses a weights file larger than the machine's memory before reading it: the weights are
     * copied into float32 matrices, at least as large as the file (twice as large from float16).
     */
    static void requireFitsInMemory(Path weights) {
        long size;
        try {
            size = Files.size(weights);
        } catch (IOException e) {
            throw new SaeFileException(weights, "cannot read its size: " + e.getMessage(), e);
        }
        long total = MachineMemory.physical();
        if (size > total)
            throw new SaeFileException(weights, "is " + MachineMemory.gib(size) + ", more than this machine's " + MachineMemory.gib(total)
                    + " of memory: the SAE cannot be loaded here");
    }

    /** The files of an SAE directory that stand for the directory when named instead of it. */
    private static boolean isSaeFile(String name) {
        return name.equals(CfgJson.FILE_NAME) || name.equals(SaeLensFormat.WEIGHTS_FILE) || name.equals(SaeLensFormat.SPARSITY_FILE)
                || name.equals(SparsifyFormat.WEIGHTS_FILE);
    }

    /** The layouts saestitch writes. */
    public enum Format {
        SAELENS, SPARSIFY;

        /** "saelens" or "sparsify", as the command line names them. */
        public String cliName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** The SAE in {@code path}, plain ({@link #load}) or composite ({@link CompositeSaeFiles}); the caller closes it. */
    public static Autoencoder loadAny(Path path) {
        return CompositeSaeFiles.isComposite(path) ? CompositeSaeFiles.load(path) : load(path);
    }

    /** Saves {@code sae} in the SAELens layout (see {@link SaeLensFormat#write}). */
    public static void save(Sae sae, Path dir) {
        save(sae, dir, Format.SAELENS);
    }

    /** Saves {@code sae} in {@code format} (see {@link SaeLensFormat#write}, {@link SparsifyFormat#write}). */
    public static void save(Sae sae, Path dir, Format format) {
        switch (format) {
            case SAELENS -> SaeLensFormat.write(sae, dir);
            case SPARSIFY -> SparsifyFormat.write(sae, dir);
        }
    }

    /**
     * Saves {@code sae} in the SAELens layout with the firing frequencies measured on
     * {@code samples} rows ({@code fireCounts[i]} of them fired latent i) in {@code sparsity.safetensors}.
     */
    public static void save(Sae sae, Path dir, long[] fireCounts, long samples) {
        try (Arena arena = Arena.ofConfined()) {
            SaeLensFormat.write(sae, dir, log10FiringFrequency(arena, fireCounts, samples));
        }
    }

    /** log10(count / samples + 1e-10) per latent, as SAELens computes {@code log_feature_sparsity} (1e-10 keeps dead latents finite). */
    public static Matrix log10FiringFrequency(Arena arena, long[] fireCounts, long samples) {
        if (samples <= 0) throw new IllegalArgumentException("firing frequencies need at least one sample, got " + samples);
        Matrix m = Matrix.allocate(arena, 1, fireCounts.length);
        for (int i = 0; i < fireCounts.length; i++) m.setFlat(i, (float) Math.log10((double) fireCounts[i] / samples + 1e-10));
        return m;
    }

    /** What {@link #save(CompositeSae, Path, Map)} reports for a JumpReLU SAE in SAELens layout. */
    public static final String SAELENS_JUMPRELU = "saelens_jumprelu";

    /**
     * The one save decision for a composite SAE (stitched, Frankenstein): exactly as a JumpReLU SAE
     * in SAELens layout, with {@code metadata} in its cfg.json, when every source allows it, else in
     * our composite layout. Returns the format written: {@link #SAELENS_JUMPRELU} or
     * {@link CompositeSaeFiles#ARCHITECTURE}.
     */
    public static String save(CompositeSae composite, Path dir, Map<String, Object> metadata) {
        return save(composite, dir, metadata, null);
    }

    /**
     * {@link #save(CompositeSae, Path, Map)} in the layout asked for: null decides as it does;
     * SAELENS only when every source allows the exact JumpReLU export; SPARSIFY never (sparsify
     * holds TopK SAEs, and a composite takes each TopK source's top-k inside that source).
     *
     * @throws SaeFileException naming {@code dir} and why, before anything is written
     */
    public static String save(CompositeSae composite, Path dir, Map<String, Object> metadata, Format format) {
        checkCompositeFormat(format, dir);
        if (format == Format.SAELENS && !composite.expressibleAsJumpRelu())
            throw new SaeFileException(dir, "this SAE has a TopK source, whose top-k within its own latents SAELens cannot express;"
                    + " save it without --format, in saestitch's composite format");
        if (!composite.expressibleAsJumpRelu()) {
            CompositeSaeFiles.save(composite, dir, metadata);
            return CompositeSaeFiles.ARCHITECTURE;
        }
        try (Sae sae = composite.toJumpRelu()) {
            sae.metadata().putAll(metadata);
            save(sae, dir);
        }
        return SAELENS_JUMPRELU;
    }

    /** Refuses, before any work, a layout no composite SAE can be written in (sparsify: plain TopK SAEs only). */
    public static void checkCompositeFormat(Format format, Path dir) {
        if (format == Format.SPARSIFY)
            throw new SaeFileException(dir, "a stitched or Frankenstein SAE cannot be written for sparsify, which holds plain TopK SAEs: save it"
                    + " as SAELens (when its sources are ReLU, JumpReLU or BatchTopK) or without --format");
    }

    /** Fails unless activations of dimension {@code dataDim} (read from {@code dataPath}) fit the SAE of {@code dIn} loaded from {@code saePath}. */
    public static void checkInputDim(int dIn, Path saePath, int dataDim, Path dataPath) {
        if (dIn != dataDim)
            throw new SaeFileException(dataPath, "activations have dimension " + dataDim + " but the SAE at " + saePath
                    + " has d_in=" + dIn);
    }

    /** Subdirectories that hold an SAE, e.g. sparsify's one directory per hookpoint. */
    private static List<String> saeSubdirectories(Path dir) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path p : entries)
                if (Files.exists(p.resolve(SaeLensFormat.WEIGHTS_FILE)) || Files.exists(p.resolve(SparsifyFormat.WEIGHTS_FILE)))
                    out.add(p.getFileName().toString());
        } catch (IOException e) {
            throw new SaeFileException(dir, "cannot list: " + e, e);
        }
        out.sort(null);
        return out;
    }
}
