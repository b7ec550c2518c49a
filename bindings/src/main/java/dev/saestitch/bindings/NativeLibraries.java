package dev.saestitch.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies native libraries out of a jar into a cache folder and opens them.
 *
 * <p>A library and its companions are extracted into one folder, so that a RUNPATH of
 * {@code $ORIGIN} (as OpenBLAS has for libgfortran) finds them. The cache root is, in order:
 * the system property {@value #DIR_PROPERTY} or the environment variable {@value #DIR_ENV} when
 * set (and then only that); otherwise {@code $XDG_CACHE_HOME/saestitch/native} (default
 * {@code ~/.cache/saestitch/native}), falling back to {@code java.io.tmpdir/saestitch-native-USER}.
 * Each file is written under a temporary name and renamed into place, so a concurrent JVM never
 * opens a half-written library; a file already present with the expected size is left alone.
 */
public final class NativeLibraries {

    public static final String DIR_PROPERTY = "sae.native.dir";
    public static final String DIR_ENV = "SAESTITCH_NATIVE_DIR";

    private NativeLibraries() {}

    /**
     * Extracts {@code resourceFolder + name} for every name in {@code files} into
     * {@code <cache root>/<version>/} and returns that folder.
     *
     * @param resourceFolder a class-path folder ending in '/', e.g. "org/bytedeco/openblas/linux-x86_64/"
     * @param version names the folder, so that two versions of a library never share one
     * @throws NativeLibraryException naming every folder tried and why it failed
     */
    public static Path extract(ClassLoader loader, String resourceFolder, String version, List<String> files) {
        List<Path> roots = cacheRoots(System.getProperty(DIR_PROPERTY), System.getenv(DIR_ENV), System.getenv("XDG_CACHE_HOME"),
                System.getProperty("user.home"), System.getProperty("java.io.tmpdir"), System.getProperty("user.name"));
        List<String> failures = new ArrayList<>();
        for (Path root : roots) {
            Path folder = root.resolve(version);
            try {
                extractInto(folder, loader, resourceFolder, files);
                return folder;
            } catch (IOException e) {
                failures.add(folder + " (" + e + ")");
            }
        }
        throw new NativeLibraryException("cannot extract " + files + " from " + resourceFolder + ": tried " + String.join(", ", failures)
                + "; set -D" + DIR_PROPERTY + "=DIR or " + DIR_ENV + "=DIR to a writable folder on a filesystem mounted with exec");
    }

    /**
     * Opens a library for the lifetime of {@code arena}.
     *
     * @param library a path (anything with a '/') or a name the system loader searches for
     * @throws NativeLibraryException carrying the dynamic loader's reason
     */
    public static SymbolLookup open(String library, Arena arena) {
        try {
            return SymbolLookup.libraryLookup(library, arena);
        } catch (IllegalArgumentException e) {
            String reason = DynamicLoader.whyNotOpened(library);   // dlerror() names the library itself
            throw new NativeLibraryException("cannot open " + (reason.startsWith(library) ? reason : library + ": " + reason), e);
        } catch (IllegalCallerException e) {
            throw new NativeLibraryException("native access is denied to " + NativeLibraries.class.getModule()
                    + ": pass --enable-native-access=ALL-UNNAMED (or the module's name) to java", e);
        }
    }

    /** The cache roots to try, in order (see the class comment). Blank settings count as unset. */
    static List<Path> cacheRoots(String dirProperty, String dirEnv, String xdgCacheHome, String userHome, String tmpDir, String userName) {
        if (!isBlank(dirProperty)) return List.of(Path.of(dirProperty));
        if (!isBlank(dirEnv)) return List.of(Path.of(dirEnv));
        List<Path> roots = new ArrayList<>(2);
        if (!isBlank(xdgCacheHome)) roots.add(Path.of(xdgCacheHome, "saestitch", "native"));
        else if (!isBlank(userHome)) roots.add(Path.of(userHome, ".cache", "saestitch", "native"));
        if (!isBlank(tmpDir)) roots.add(Path.of(tmpDir, "saestitch-native-" + (isBlank(userName) ? "user" : userName)));
        return roots;
    }

    /** Extracts the files into {@code folder}, skipping those already there with the resource's size. */
    static void extractInto(Path folder, ClassLoader loader, String resourceFolder, List<String> files) throws IOException {
        Files.createDirectories(folder);
        for (String name : files) {
            String resource = resourceFolder + name;
            URL url = loader.getResource(resource);
            if (url == null) throw new NativeLibraryException("resource " + resource + " is not on the class path");
            URLConnection connection = url.openConnection();
            long size = connection.getContentLengthLong();   // -1 when unknown: then always rewrite
            Path target = folder.resolve(name);
            if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) continue;
            Path partial = Files.createTempFile(folder, name + ".", ".part");
            try (InputStream in = connection.getInputStream()) {
                long copied = Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                if (size >= 0 && copied != size) throw new IOException("read " + copied + " of " + size + " bytes of " + resource);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
    }

    private static boolean isBlank(String s) { return s == null || s.isBlank(); }
}
