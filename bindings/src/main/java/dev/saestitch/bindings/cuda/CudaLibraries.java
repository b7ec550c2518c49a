package dev.saestitch.bindings.cuda;

import dev.saestitch.bindings.NativeLibraries;
import dev.saestitch.bindings.NativeLibraryException;
import dev.saestitch.bindings.cblas.OpenBlas;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * Finds and opens, once per process, the three libraries of the CUDA path: the CUDA runtime
 * (libcudart), cuBLAS (libcublas) and our kernels (libsaestitch_kernels).
 *
 * <p>libcudart and libcublas come from the system. They are looked for, in this order, in
 * <ol>
 *   <li>the folder named by {@value #DIR_PROPERTY} / {@value #DIR_ENV}, and then only there;
 *   <li>{@code $CUDA_HOME/lib64}, {@code $CUDA_HOME/lib}, {@code /usr/local/cuda/lib64};
 *   <li>each folder of {@code LD_LIBRARY_PATH};
 *   <li>NVIDIA's Python wheels ({@code site-packages/nvidia/*&#47;lib}, e.g. nvidia-cublas or
 *       the CUDA 13 {@code nvidia/cu13/lib}) under {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX},
 *       {@code ~/.local}, {@code /usr/local}, {@code /usr} and {@code /opt/*&#47;.venv};
 *   <li>the system loader's own search (ld.so.cache), by name;
 * </ol>
 * taking in each folder the first of {@code lib<name>.so.13}, {@code .so.12}, {@code .so}.
 *
 * <p>libsaestitch_kernels comes in the saestitch-native jar (when nvcc was there at build time)
 * and is extracted like OpenBLAS by {@link NativeLibraries}, into a folder named by a hash of its
 * bytes; {@value #KERNELS_PROPERTY} / {@value #KERNELS_ENV} give a path to use instead. It is
 * opened after libcudart, so that its dependency on libcudart.so.13 resolves to the runtime
 * already loaded.
 *
 * <p>{@value #DIR_PROPERTY} / {@value #DIR_ENV} = {@value #EMULATED} takes all three from the
 * emulated CUDA device instead (native/emu: g++-compiled kernels, threads as fibers, a stand-in
 * runtime and a cuBLAS on OpenBLAS), extracted from the saestitch-native jar like the kernels; its
 * cuBLAS computes with the bundled OpenBLAS, which is opened first. It is never chosen unless asked
 * for: the backend's "auto" does not take it.
 *
 * <p>A failure names every place tried and why each did not serve, is kept, and is thrown again
 * by every later call.
 */
public final class CudaLibraries {

    public static final String DIR_PROPERTY = "sae.cuda.libs";
    public static final String DIR_ENV = "SAESTITCH_CUDA_LIBS";
    public static final String KERNELS_PROPERTY = "sae.kernels";
    public static final String KERNELS_ENV = "SAESTITCH_KERNELS";

    /** The {@value #DIR_PROPERTY} / {@value #DIR_ENV} value that selects the emulated device. */
    public static final String EMULATED = "emulated";

    static final String KERNELS_RESOURCE_FOLDER = "dev/saestitch/native/linux-x86_64/";
    static final String EMULATED_RESOURCE_FOLDER = KERNELS_RESOURCE_FOLDER + "emulated/";
    static final List<String> EMULATED_FILES = List.of("libcudart.so.13", "libcublas.so.13", "libsaestitch_kernels.so");
    static final String KERNELS_FILE = "libsaestitch_kernels.so";
    private static final List<String> CUDA_MAJORS = List.of(".so.13", ".so.12", ".so");

    /** An opened library. @param location the path or name it was opened from  @param how why that one */
    public record Library(String location, String how, SymbolLookup lookup) {}

    /** A folder to search, with the setting that put it on the list. */
    record Folder(Path path, String why) {}

    private CudaLibraries() {}

    /** The CUDA runtime. @throws NativeLibraryException saying where it looked (every call, once it failed) */
    public static Library cudart() { return Holder.get(Holder.CUDART); }

    /** cuBLAS. @throws NativeLibraryException saying where it looked (every call, once it failed) */
    public static Library cublas() { return Holder.get(Holder.CUBLAS); }

    /** Our kernels. @throws NativeLibraryException saying why not (every call, once it failed) */
    public static Library kernels() { return Holder.get(Holder.KERNELS); }

    /** A library by its {@code --library} name in the *.symbols files: cudart, cublas or saestitch_kernels. */
    public static Library byName(String name) {
        return switch (name) {
            case "cudart" -> cudart();
            case "cublas" -> cublas();
            case "saestitch_kernels" -> kernels();
            default -> throw new IllegalArgumentException("no CUDA library is called " + name);
        };
    }

    /** Whether {@value #DIR_PROPERTY} / {@value #DIR_ENV} selects the emulated device. */
    public static boolean emulated() { return EMULATED.equals(firstSet(setting("property:" + DIR_PROPERTY), setting(DIR_ENV))); }

    /** One line per library: where it was found, or why not (for an {@code info} command). */
    public static List<String> report() {
        List<String> lines = new ArrayList<>();
        for (String name : List.of("cudart", "cublas", "saestitch_kernels")) {
            try {
                Library l = byName(name);
                lines.add(name + ": " + l.location() + " (" + l.how() + ")");
            } catch (NativeLibraryException e) {
                lines.add(name + ": not loaded: " + e.getMessage());
            }
        }
        return lines;
    }

    // ---- locating ----

    /** The folders to search for a system CUDA library, in order (see the class comment). */
    static List<Folder> folders(Function<String, String> settings, Path home) {
        List<Folder> folders = new ArrayList<>();
        String override = firstSet(settings.apply("property:" + DIR_PROPERTY), settings.apply(DIR_ENV));
        if (override != null) {
            folders.add(new Folder(Path.of(override), DIR_PROPERTY + " / " + DIR_ENV));
            return folders;
        }
        String cudaHome = settings.apply("CUDA_HOME");
        if (!isBlank(cudaHome)) {
            folders.add(new Folder(Path.of(cudaHome, "lib64"), "CUDA_HOME"));
            folders.add(new Folder(Path.of(cudaHome, "lib"), "CUDA_HOME"));
        }
        folders.add(new Folder(Path.of("/usr/local/cuda/lib64"), "default CUDA install"));
        String ldPath = settings.apply("LD_LIBRARY_PATH");
        if (!isBlank(ldPath))
            for (String p : ldPath.split(":")) if (!p.isBlank()) folders.add(new Folder(Path.of(p), "LD_LIBRARY_PATH"));
        List<Path> prefixes = new ArrayList<>();
        for (String env : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = settings.apply(env);
            if (!isBlank(v)) prefixes.add(Path.of(v));
        }
        if (home != null) prefixes.add(home.resolve(".local"));
        prefixes.add(Path.of("/usr/local"));
        prefixes.add(Path.of("/usr"));
        prefixes.addAll(children(Path.of("/opt"), "*", ".venv"));
        for (Path prefix : prefixes)
            for (Path python : children(prefix.resolve("lib"), "python3*", ""))
                for (String packages : List.of("site-packages", "dist-packages"))
                    for (Path lib : children(python.resolve(packages).resolve("nvidia"), "*", "lib"))
                        folders.add(new Folder(lib, "NVIDIA Python wheel"));
        return folders;
    }

    /** Opens the first {@code lib<stem>.so.13/.12/.so} in {@code folders}, else asks the system loader. */
    static Library locate(String stem, String what, List<Folder> folders, boolean systemLoader, Arena arena) {
        List<String> tried = new ArrayList<>();
        for (Folder folder : folders) {
            for (String suffix : CUDA_MAJORS) {
                Path file = folder.path().resolve("lib" + stem + suffix);
                if (Files.isRegularFile(file)) {
                    // A file that is there but does not open is the answer, with the loader's reason.
                    return new Library(file.toString(), "found in " + folder.path() + " (" + folder.why() + ")",
                            NativeLibraries.open(file.toString(), arena));
                }
            }
            tried.add(folder.path() + " (" + folder.why() + (Files.isDirectory(folder.path()) ? "" : ", no such folder") + ")");
        }
        List<String> loaderReasons = new ArrayList<>();
        if (systemLoader) {
            for (String suffix : CUDA_MAJORS) {
                String name = "lib" + stem + suffix;
                try {
                    return new Library(name, "found by the system loader", NativeLibraries.open(name, arena));
                } catch (NativeLibraryException e) {
                    loaderReasons.add(e.getMessage());
                }
            }
        }
        throw new NativeLibraryException("cannot find " + what + " (lib" + stem + ".so.13, .so.12 or .so): looked in "
                + (tried.isEmpty() ? "no folder" : String.join(", ", tried))
                + (systemLoader ? "; the system loader: " + String.join("; ", loaderReasons) : "")
                + ". Set " + DIR_ENV + "=DIR (or -D" + DIR_PROPERTY + "=DIR) to the folder that holds it");
    }

    /** The kernels library: the override path, else extracted from the class path. */
    static Library openKernels(String override, ClassLoader loader, Arena arena) {
        if (override != null)
            return new Library(override, KERNELS_PROPERTY + " / " + KERNELS_ENV, NativeLibraries.open(override, arena));
        String hash = sha256Prefix(loader, KERNELS_RESOURCE_FOLDER, List.of(KERNELS_FILE),
                "this build has no CUDA kernels (nvcc was not found when native/ was built); rebuild on a machine with CUDA, or set "
                        + KERNELS_ENV + "=PATH to a libsaestitch_kernels.so");
        Path folder = NativeLibraries.extract(loader, KERNELS_RESOURCE_FOLDER, "saestitch-kernels-" + hash, List.of(KERNELS_FILE));
        Path lib = folder.resolve(KERNELS_FILE);
        return new Library(lib.toString(), "extracted from the saestitch-native jar", NativeLibraries.open(lib.toString(), arena));
    }

    /** One library of the emulated device, extracted (all three together) from the class path. */
    static Library openEmulated(String file, ClassLoader loader, Arena arena) {
        String hash = sha256Prefix(loader, EMULATED_RESOURCE_FOLDER, EMULATED_FILES,
                "this build has no emulated CUDA device (g++ was not found when native/ was built; see native/emu/README.md)");
        Path lib = NativeLibraries.extract(loader, EMULATED_RESOURCE_FOLDER, "saestitch-emulated-" + hash, EMULATED_FILES).resolve(file);
        return new Library(lib.toString(), "the emulated CUDA device (" + DIR_PROPERTY + " / " + DIR_ENV + " = " + EMULATED + ")",
                NativeLibraries.open(lib.toString(), arena));
    }

    /** The first 16 hex digits of the SHA-256 of the resources {@code folder + files}, read in order; {@code missing} says why one is absent. */
    private static String sha256Prefix(ClassLoader loader, String folder, List<String> files, String missing) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (String file : files) {
                String resource = folder + file;
                try (InputStream in = loader.getResourceAsStream(resource)) {
                    if (in == null) throw new NativeLibraryException(resource + " is not on the class path: " + missing);
                    for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
                } catch (IOException e) {
                    throw new NativeLibraryException("cannot read " + resource + ": " + e.getMessage(), e);
                }
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** {@code dir/<entries matching glob>/sub} that are folders, sorted; none when dir is not a folder. */
    private static List<Path> children(Path dir, String glob, String sub) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
            for (Path e : entries) {
                Path p = sub.isEmpty() ? e : e.resolve(sub);
                if (Files.isDirectory(p)) out.add(p);
            }
        } catch (IOException e) {
            return out;  // an unreadable folder holds nothing we can load
        }
        out.sort(null);
        return out;
    }

    private static String firstSet(String... values) {
        for (String v : values) if (!isBlank(v)) return v.strip();
        return null;
    }

    private static boolean isBlank(String s) { return s == null || s.isBlank(); }

    /** System properties as "property:NAME", everything else from the environment. */
    static String setting(String key) {
        return key.startsWith("property:") ? System.getProperty(key.substring("property:".length())) : System.getenv(key);
    }

    /** Opens each library on first use and keeps it, or why it failed. */
    private static final class Holder {
        static final int CUDART = 0, CUBLAS = 1, KERNELS = 2;
        private static final Object[] RESULTS = new Object[3];

        static synchronized Library get(int which) {
            if (RESULTS[which] == null) {
                try {
                    RESULTS[which] = open(which);
                } catch (NativeLibraryException e) {
                    RESULTS[which] = e;
                }
            }
            if (RESULTS[which] instanceof NativeLibraryException e) throw new NativeLibraryException(e.getMessage(), e);
            return (Library) RESULTS[which];
        }

        private static Library open(int which) {
            if (emulated()) return openEmulated(which);
            Path home = Path.of(System.getProperty("user.home", "/"));
            return switch (which) {
                case CUDART -> locate("cudart", "the CUDA runtime", folders(CudaLibraries::setting, home), true, Arena.global());
                case CUBLAS -> locate("cublas", "cuBLAS", folders(CudaLibraries::setting, home), true, Arena.global());
                default -> {
                    cudart();  // loads libcudart.so.13 first: the kernels' dependency resolves to it
                    yield openKernels(firstSet(setting("property:" + KERNELS_PROPERTY), setting(KERNELS_ENV)),
                            CudaLibraries.class.getClassLoader(), Arena.global());
                }
            };
        }

        private static Library openEmulated(int which) {
            ClassLoader loader = CudaLibraries.class.getClassLoader();
            return switch (which) {
                case CUDART -> CudaLibraries.openEmulated(EMULATED_FILES.get(0), loader, Arena.global());
                case CUBLAS -> {
                    cudart();
                    // The emulated cuBLAS finds OpenBLAS by its soname among the libraries already loaded.
                    NativeLibraries.open(OpenBlas.extractBundled().toString(), Arena.global());
                    yield CudaLibraries.openEmulated(EMULATED_FILES.get(1), loader, Arena.global());
                }
                default -> {
                    cudart();
                    String override = firstSet(setting("property:" + KERNELS_PROPERTY), setting(KERNELS_ENV));
                    yield override != null ? openKernels(override, loader, Arena.global())
                            : CudaLibraries.openEmulated(EMULATED_FILES.get(2), loader, Arena.global());
                }
            };
        }
    }
}
