package dev.saestitch.bindings.cblas;

import dev.saestitch.bindings.NativeLibraries;
import dev.saestitch.bindings.NativeLibraryException;
import dev.saestitch.bindings.SymbolsFile;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Finds and opens the BLAS library that {@link cblas_h} binds, once per process.
 *
 * <p>The choice comes from the system property {@value #CHOICE_PROPERTY}, else the environment
 * variable {@value #CHOICE_ENV}, else {@value #BUNDLED}:
 * <ul>
 *   <li>{@value #BUNDLED}: the OpenBLAS shipped in org.bytedeco:openblas (linux-x86_64), extracted
 *       with its libgfortran, libquadmath and libgcc_s by {@link NativeLibraries};
 *   <li>{@value #JAVA}: no BLAS library at all (the engine then uses its portable product);
 *   <li>anything else: an OpenBLAS of the system, as a path ("/usr/lib/x86_64-linux-gnu/libopenblas.so.0")
 *       or a name the dynamic loader searches for ("libopenblas.so.0").
 * </ul>
 * The library stays open for the life of the JVM (global arena), like a {@code System.load}.
 * A failure is kept too: every later call throws it again, with the original as the cause.
 */
public final class OpenBlas {

    public static final String CHOICE_PROPERTY = "sae.blas";
    public static final String CHOICE_ENV = "SAESTITCH_BLAS";
    public static final String BUNDLED = "bundled";
    public static final String JAVA = "java";

    static final String RESOURCE_FOLDER = "org/bytedeco/openblas/linux-x86_64/";
    static final String LIBRARY = "libopenblas.so.0";
    /** The library and the companions its RUNPATH ($ORIGIN) resolves, dependencies first. */
    static final List<String> FILES = List.of("libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", LIBRARY);
    private static final String POM_PROPERTIES = "META-INF/maven/org.bytedeco/openblas/pom.properties";

    /** An opened BLAS library. @param location the path or name it was opened from */
    public record Library(String location, SymbolLookup lookup) {}

    private OpenBlas() {}

    /** The configured choice ({@value #BUNDLED} when nothing is set). */
    public static String choice() {
        String p = System.getProperty(CHOICE_PROPERTY);
        if (p != null && !p.isBlank()) return p.strip();
        String e = System.getenv(CHOICE_ENV);
        return e != null && !e.isBlank() ? e.strip() : BUNDLED;
    }

    /**
     * The process-wide library, opened on first use from {@link #choice()}.
     * @throws NativeLibraryException saying why it cannot be opened (every call, once it failed)
     */
    public static Library library() {
        if (Holder.FAILURE != null) throw new NativeLibraryException(Holder.FAILURE.getMessage(), Holder.FAILURE);
        return Holder.LIBRARY;
    }

    /** Extracts the bundled OpenBLAS and its companions and returns the path of libopenblas.so.0. */
    public static java.nio.file.Path extractBundled() {
        String os = System.getProperty("os.name", ""), arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64")))
            throw new NativeLibraryException("the bundled OpenBLAS is built for linux-x86_64, this JVM runs on " + os + "/" + arch
                    + "; set " + CHOICE_ENV + " to the path of an OpenBLAS library");
        ClassLoader loader = OpenBlas.class.getClassLoader();
        String version = bundledVersion(loader);
        return NativeLibraries.extract(loader, RESOURCE_FOLDER, "openblas-" + version + "-linux-x86_64", FILES).resolve(LIBRARY);
    }

    /** Opens the library a choice names and checks that every function of cblas.symbols is in it. */
    static Library open(String choice, Arena arena) {
        if (choice.equals(JAVA))
            throw new NativeLibraryException(CHOICE_PROPERTY + "=" + JAVA + " asks for the portable Java product, not a BLAS library");
        String location = choice.equals(BUNDLED) ? extractBundled().toString() : choice;
        SymbolLookup lookup = NativeLibraries.open(location, arena);
        List<String> missing = SymbolsFile.resource("cblas").functions().stream().filter(f -> lookup.find(f).isEmpty()).toList();
        if (!missing.isEmpty())
            throw new NativeLibraryException(location + " is not an OpenBLAS with the CBLAS interface: it lacks " + String.join(", ", missing));
        return new Library(location, lookup);
    }

    private static String bundledVersion(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null)
                throw new NativeLibraryException(POM_PROPERTIES + " is not on the class path: the org.bytedeco:openblas:linux-x86_64 jar is missing");
            Properties p = new Properties();
            p.load(in);
            String version = p.getProperty("version");
            if (version == null) throw new NativeLibraryException(POM_PROPERTIES + " has no version");
            return version;
        } catch (IOException e) {
            throw new NativeLibraryException("cannot read " + POM_PROPERTIES + ": " + e.getMessage(), e);
        }
    }

    /** Opens the library on first use; holds either the library or why it did not open. */
    private static final class Holder {
        static final Library LIBRARY;
        static final NativeLibraryException FAILURE;

        static {
            Library library = null;
            NativeLibraryException failure = null;
            try {
                library = open(choice(), Arena.global());
            } catch (NativeLibraryException e) {
                failure = e;
            }
            LIBRARY = library;
            FAILURE = failure;
        }
    }
}
