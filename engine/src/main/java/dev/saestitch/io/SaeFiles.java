package dev.saestitch.io;

import dev.saestitch.sae.Autoencoder;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;

import java.io.IOException;
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
        if (!Files.exists(path)) throw new SaeFileException(path, "no such file or directory");
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        if (Files.exists(dir.resolve(SaeLensFormat.WEIGHTS_FILE))) return SaeLensFormat.read(dir);
        if (Files.exists(dir.resolve(SparsifyFormat.WEIGHTS_FILE))) return SparsifyFormat.read(dir);
        List<String> inside = saeSubdirectories(dir);
        throw new SaeFileException(dir, "holds neither " + SaeLensFormat.WEIGHTS_FILE + " (SAELens) nor " + SparsifyFormat.WEIGHTS_FILE
                + " (sparsify)" + (inside.isEmpty() ? "" : "; it has SAE subdirectories " + inside + ", pick one"));
    }

    /** The SAE in {@code path}, plain ({@link #load}) or composite ({@link CompositeSaeFiles}); the caller closes it. */
    public static Autoencoder loadAny(Path path) {
        return CompositeSaeFiles.isComposite(path) ? CompositeSaeFiles.load(path) : load(path);
    }

    /** Saves {@code sae} in the SAELens layout (see {@link SaeLensFormat#write}). */
    public static void save(Sae sae, Path dir) {
        SaeLensFormat.write(sae, dir);
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
        if (!composite.expressibleAsJumpRelu()) {
            CompositeSaeFiles.save(composite, dir);
            return CompositeSaeFiles.ARCHITECTURE;
        }
        try (Sae sae = composite.toJumpRelu()) {
            sae.metadata().putAll(metadata);
            save(sae, dir);
        }
        return SAELENS_JUMPRELU;
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
