package dev.saestitch.bindings;

import dev.saestitch.bindings.cblas.OpenBlas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeLibrariesTest {

    private static final String FOLDER = "natives/linux/";

    @Test
    void overrideWinsAndIsTheOnlyRoot() {
        assertEquals(List.of(Path.of("/opt/p")), NativeLibraries.cacheRoots("/opt/p", "/opt/e", "/x", "/home/u", "/tmp", "u"));
        assertEquals(List.of(Path.of("/opt/e")), NativeLibraries.cacheRoots(" ", "/opt/e", "/x", "/home/u", "/tmp", "u"));
    }

    @Test
    void defaultRootIsTheUserCacheThenTmp() {
        assertEquals(List.of(Path.of("/home/u/.cache/saestitch/native"), Path.of("/tmp/saestitch-native-u")),
                NativeLibraries.cacheRoots(null, null, null, "/home/u", "/tmp", "u"));
        assertEquals(List.of(Path.of("/xdg/saestitch/native"), Path.of("/tmp/saestitch-native-u")),
                NativeLibraries.cacheRoots(null, "", "/xdg", "/home/u", "/tmp", "u"));
    }

    @Test
    void extractsEveryFileWithItsContentAndLeavesNoPartialFile(@TempDir Path tmp) throws IOException {
        byte[][] contents = {randomBytes(1, 70_001), randomBytes(2, 3)};
        try (URLClassLoader loader = jarLike(tmp.resolve("cp"), List.of("liba.so.1", "libb.so"), contents)) {
            Path out = tmp.resolve("cache/v1");
            NativeLibraries.extractInto(out, loader, FOLDER, List.of("liba.so.1", "libb.so"));
            assertArrayEquals(contents[0], Files.readAllBytes(out.resolve("liba.so.1")));
            assertArrayEquals(contents[1], Files.readAllBytes(out.resolve("libb.so")));
            try (Stream<Path> files = Files.list(out)) {
                assertEquals(List.of("liba.so.1", "libb.so"), files.map(p -> p.getFileName().toString()).sorted().toList());
            }
        }
    }

    @Test
    void keepsAFileOfTheRightSizeAndReplacesOneOfTheWrongSize(@TempDir Path tmp) throws IOException {
        byte[] content = randomBytes(3, 5000);
        try (URLClassLoader loader = jarLike(tmp.resolve("cp"), List.of("liba.so"), new byte[][] {content})) {
            Path out = tmp.resolve("cache");
            NativeLibraries.extractInto(out, loader, FOLDER, List.of("liba.so"));
            Path lib = out.resolve("liba.so");
            FileTime old = FileTime.fromMillis(1_000_000_000_000L);
            Files.setLastModifiedTime(lib, old);
            NativeLibraries.extractInto(out, loader, FOLDER, List.of("liba.so"));
            assertEquals(old, Files.getLastModifiedTime(lib), "a file of the same size was rewritten");

            Files.write(lib, new byte[17]);
            NativeLibraries.extractInto(out, loader, FOLDER, List.of("liba.so"));
            assertArrayEquals(content, Files.readAllBytes(lib));
        }
    }

    @Test
    void concurrentExtractionsNeverLeaveAHalfWrittenFile(@TempDir Path tmp) throws Exception {
        byte[] content = randomBytes(4, 3_000_000);
        try (URLClassLoader loader = jarLike(tmp.resolve("cp"), List.of("libbig.so"), new byte[][] {content});
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            Path out = tmp.resolve("cache");
            List<Future<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Callable<byte[]> extractThenRead = () -> {
                    NativeLibraries.extractInto(out, loader, FOLDER, List.of("libbig.so"));
                    return Files.readAllBytes(out.resolve("libbig.so"));
                };
                reads.add(pool.submit(extractThenRead));
            }
            for (Future<byte[]> read : reads) assertArrayEquals(content, read.get());
        }
    }

    @Test
    void missingResourceIsNamed(@TempDir Path tmp) throws IOException {
        try (URLClassLoader loader = jarLike(tmp.resolve("cp"), List.of("liba.so"), new byte[][] {{1}})) {
            var e = assertThrows(NativeLibraryException.class,
                    () -> NativeLibraries.extractInto(tmp.resolve("cache"), loader, FOLDER, List.of("libzzz.so")));
            assertTrue(e.getMessage().contains(FOLDER + "libzzz.so"), e.getMessage());
        }
    }

    @Test
    void anUnusableCacheFolderIsNamedWithTheSettingToChange(@TempDir Path tmp) throws IOException {
        Path notAFolder = Files.write(tmp.resolve("file"), new byte[] {1});
        String old = System.getProperty(NativeLibraries.DIR_PROPERTY);
        System.setProperty(NativeLibraries.DIR_PROPERTY, notAFolder.toString());
        try {
            var e = assertThrows(NativeLibraryException.class,
                    () -> NativeLibraries.extract(getClass().getClassLoader(), "dev/saestitch/bindings/jextract/", "v1", List.of("cblas.symbols")));
            assertTrue(e.getMessage().contains(notAFolder.resolve("v1").toString()) && e.getMessage().contains(NativeLibraries.DIR_PROPERTY), e.getMessage());
        } finally {
            if (old == null) System.clearProperty(NativeLibraries.DIR_PROPERTY);
            else System.setProperty(NativeLibraries.DIR_PROPERTY, old);
        }
    }

    @Test
    void openReportsTheLoadersReason(@TempDir Path tmp) {
        // The JDK's own message is only "Cannot open library X"; the rest is dlerror()'s.
        String absent = tmp.resolve("libnope.so").toString();
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(NativeLibraryException.class, () -> NativeLibraries.open(absent, arena));
            assertTrue(e.getMessage().contains("cannot open shared object file: No such file or directory"), e.getMessage());
        }
    }

    @Test
    void bundledOpenBlasOpensFromItsExtractedFolder() {
        Path lib = OpenBlas.extractBundled();
        for (String companion : List.of("libgfortran.so.5", "libquadmath.so.0", "libgcc_s.so.1"))
            assertTrue(Files.isRegularFile(lib.resolveSibling(companion)), companion + " not beside " + lib);
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(NativeLibraries.open(lib.toString(), arena).find("cblas_sgemm").isPresent());
        }
    }

    /** A class loader whose folder {@value #FOLDER} holds the given files, like a jar's resource folder. */
    private static URLClassLoader jarLike(Path root, List<String> names, byte[][] contents) throws IOException {
        Path folder = Files.createDirectories(root.resolve(FOLDER));
        for (int i = 0; i < names.size(); i++) Files.write(folder.resolve(names.get(i)), contents[i]);
        return new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
    }

    private static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
