package dev.saestitch.bindings.cuda;

import dev.saestitch.bindings.NativeLibraryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where CudaLibraries looks, and what it says when it finds nothing; needs no GPU and no CUDA. */
class CudaLibrariesTest {

    @Test
    void theOverrideFolderIsTheOnlyOne() {
        Map<String, String> s = Map.of(CudaLibraries.DIR_ENV, "/opt/cu", "CUDA_HOME", "/usr/cuda", "LD_LIBRARY_PATH", "/a:/b");
        assertEquals(List.of(new CudaLibraries.Folder(Path.of("/opt/cu"), CudaLibraries.DIR_PROPERTY + " / " + CudaLibraries.DIR_ENV)),
                CudaLibraries.folders(s::get, null));
    }

    @Test
    void cudaHomeThenTheDefaultInstallThenTheLoaderPathThenWheels(@TempDir Path tmp) throws IOException {
        Path venv = tmp.resolve("venv");
        Path wheelLib = Files.createDirectories(venv.resolve("lib/python3.12/site-packages/nvidia/cu13/lib"));
        Files.createDirectories(venv.resolve("lib/python3.12/site-packages/nvidia/nolib"));  // no lib/: not listed
        Map<String, String> s = new HashMap<>(Map.of("CUDA_HOME", "/usr/cuda", "LD_LIBRARY_PATH", "/a::/b", "VIRTUAL_ENV", venv.toString()));
        List<Path> paths = CudaLibraries.folders(s::get, tmp.resolve("home")).stream().map(CudaLibraries.Folder::path).toList();
        assertEquals(List.of(Path.of("/usr/cuda/lib64"), Path.of("/usr/cuda/lib"), Path.of("/usr/local/cuda/lib64"), Path.of("/a"), Path.of("/b"), wheelLib),
                paths.subList(0, 6));
        assertEquals(1, paths.stream().filter(p -> p.startsWith(venv)).count(), paths.toString());
    }

    @Test
    void nothingFoundNamesEveryFolderAndTheSetting(@TempDir Path tmp) {
        List<CudaLibraries.Folder> folders = List.of(new CudaLibraries.Folder(tmp, "test"), new CudaLibraries.Folder(tmp.resolve("gone"), "test"));
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(NativeLibraryException.class, () -> CudaLibraries.locate("cublas", "cuBLAS", folders, false, arena));
            assertTrue(e.getMessage().contains(tmp + " (test)") && e.getMessage().contains(tmp.resolve("gone") + " (test, no such folder)")
                    && e.getMessage().contains(CudaLibraries.DIR_ENV), e.getMessage());
        }
    }

    @Test
    void aFileThatDoesNotOpenIsReportedWithTheLoadersReason(@TempDir Path tmp) throws IOException {
        Files.write(tmp.resolve("libcublas.so.12"), new byte[4096]);  // zeros: not an ELF file
        Files.write(tmp.resolve("libcublas.so"), new byte[] {1, 2, 3});
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(NativeLibraryException.class,
                    () -> CudaLibraries.locate("cublas", "cuBLAS", List.of(new CudaLibraries.Folder(tmp, "test")), false, arena));
            // The first of .so.13, .so.12, .so that exists is the one tried.
            assertTrue(e.getMessage().contains("libcublas.so.12") && e.getMessage().toLowerCase().contains("elf"), e.getMessage());
        }
    }

    @Test
    void aBuildWithoutKernelsSaysSo(@TempDir Path tmp) throws IOException {
        try (URLClassLoader empty = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, null); Arena arena = Arena.ofConfined()) {
            var e = assertThrows(NativeLibraryException.class, () -> CudaLibraries.openKernels(null, empty, arena));
            assertTrue(e.getMessage().contains("nvcc was not found") && e.getMessage().contains(CudaLibraries.KERNELS_ENV), e.getMessage());
        }
    }
}
