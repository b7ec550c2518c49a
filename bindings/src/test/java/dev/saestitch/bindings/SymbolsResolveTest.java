package dev.saestitch.bindings;

import dev.saestitch.bindings.cblas.OpenBlas;
import dev.saestitch.bindings.cuda.CudaLibraries;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Every {@code *.symbols} file in src/main/jextract, whatever it binds: its functions resolve in
 * its library, and its header class holds exactly those functions and constants. A library we
 * ship must open; the CUDA ones (cudart and cublas from the system, our kernels when nvcc built
 * them) are opened the way the engine opens them, and skipped, with the reason, where they are not.
 */
class SymbolsResolveTest {

    private static final Path SYMBOLS_FOLDER = Path.of("src/main/jextract");

    /** Libraries that come with saestitch, by their --library name: these must always open. */
    private static final Map<String, Supplier<String>> SHIPPED = Map.of(
            "openblas", () -> OpenBlas.extractBundled().toString());

    private static List<Path> symbolsFiles() throws IOException {
        try (Stream<Path> files = Files.list(SYMBOLS_FOLDER)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".symbols")).sorted().toList();
        }
    }

    @Test
    void symbolsFilesExistAndTravelInTheJar() throws IOException {
        List<Path> files = symbolsFiles();
        assertFalse(files.isEmpty(), "no *.symbols in " + SYMBOLS_FOLDER.toAbsolutePath());
        for (Path file : files) {
            SymbolsFile onDisk = SymbolsFile.read(file);
            assertEquals(onDisk, SymbolsFile.resource(onDisk.name()), file + " differs from its copy on the class path");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFunctionResolvesInItsLibrary() throws IOException {
        return symbolsFiles().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            SymbolsFile symbols = SymbolsFile.read(file);
            try (Arena arena = Arena.ofConfined()) {
                SymbolLookup lookup = openOrSkip(symbols.library(), arena);
                List<String> missing = symbols.functions().stream().filter(f -> lookup.find(f).isEmpty()).toList();
                assertEquals(List.of(), missing, file + ": functions not found in " + symbols.library());
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> headerClassBindsExactlyTheListedSymbols() throws IOException {
        return symbolsFiles().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            SymbolsFile symbols = SymbolsFile.read(file);
            // Loaded without initialising it: its static initialiser opens the library.
            Class<?> header = Class.forName(symbols.headerClass(), false, getClass().getClassLoader());
            Method[] methods = header.getDeclaredMethods();
            assertEquals(new TreeSet<>(symbols.functions()), publicStaticNames(methods, "$handle"),
                    symbols.headerClass() + " binds other functions than " + file + " lists");
            TreeSet<String> constants = publicStaticNames(methods, "");
            constants.removeAll(symbols.functions());   // the wrappers share the functions' names
            assertEquals(new TreeSet<>(symbols.constants()), constants,
                    symbols.headerClass() + " holds other constants than " + file + " lists");
        }));
    }

    /** Names of public static methods ending in {@code suffix} (suffix removed); with "" those without a '$'. */
    private static TreeSet<String> publicStaticNames(Method[] methods, String suffix) {
        TreeSet<String> names = new TreeSet<>();
        Arrays.stream(methods).filter(m -> Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers())).forEach(m -> {
            String n = m.getName();
            if (suffix.isEmpty() ? !n.contains("$") : n.endsWith(suffix)) names.add(n.substring(0, n.length() - suffix.length()));
        });
        return names;
    }

    /** Libraries found by {@link CudaLibraries}, by their --library name. */
    private static final Set<String> CUDA = Set.of("cudart", "cublas", "saestitch_kernels");

    private static SymbolLookup openOrSkip(String library, Arena arena) {
        Supplier<String> shipped = SHIPPED.get(library);
        if (shipped != null) return NativeLibraries.open(shipped.get(), arena);
        if (CUDA.contains(library)) {
            try {
                return CudaLibraries.byName(library).lookup();
            } catch (NativeLibraryException e) {
                return abort(library + " is not available here: " + e.getMessage());
            }
        }
        try {
            return NativeLibraries.open(System.mapLibraryName(library), arena);
        } catch (NativeLibraryException e) {
            return abort(library + " is not on this machine: " + e.getMessage());
        }
    }
}
