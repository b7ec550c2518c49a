package dev.saestitch.backend.select;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.BackendUnavailableException;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.Gemm;
import dev.saestitch.input.InputException;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendsTest {

    @Test
    void autoSaysWhichBackendRunsAndWhy() {
        try (Backend b = Backends.select("auto")) {
            if (b.name().equals("cpu")) {
                assertTrue(b.describe().contains("CUDA not available: "), b.describe());
                assertTrue(b.describe().contains("OpenBLAS 0.3.30"), b.describe());
            } else {
                assertEquals("cuda", b.name());
                assertTrue(b.describe().contains("chosen automatically"), b.describe());
            }
        }
    }

    @Test
    void cpuIsCaseInsensitiveAndNeedsNoReason() {
        try (Backend b = Backends.select(" CPU ")) {
            assertEquals("cpu", b.name());
            assertFalse(b.describe().contains("CUDA"), b.describe());
        }
    }

    @Test
    void cudaRunsOrSaysWhyNotAndUnknownNamesAreRefused() {
        try (Backend b = Backends.select("cuda")) {
            assertEquals("cuda", b.name());
        } catch (BackendUnavailableException e) {
            // Here without a GPU: the reason names what is missing (a library or the device).
            assertTrue(e.getMessage().startsWith("backend 'cuda' cannot run here: ")
                    && (e.getMessage().contains("CUDA libraries: ") || e.getMessage().contains("CUDA device")), e.getMessage());
        }
        var unknown = assertThrows(InputException.class, () -> Backends.select("tpu"));
        assertTrue(unknown.getMessage().contains("'tpu'") && unknown.getMessage().contains("auto, cpu or cuda"), unknown.getMessage());
    }

    @Test
    void noPreferenceReadsTheSystemProperty() {
        String old = System.getProperty(Backends.PROPERTY);
        try {
            System.setProperty(Backends.PROPERTY, " CPU ");
            try (Backend b = Backends.select(null)) {
                assertEquals("cpu", b.name());
            }
            assertEquals("CPU", Backends.configured());
        } finally {
            if (old == null) System.clearProperty(Backends.PROPERTY);
            else System.setProperty(Backends.PROPERTY, old);
        }
    }

    @Test
    void blasChoiceJavaForcesThePortableProduct() {
        Supplier<Gemm> mustNotBeCalled = () -> { throw new AssertionError("BLAS was tried although sae.blas=java"); };
        CpuBackend b = Backends.cpu("", "java", mustNotBeCalled);
        assertTrue(b.describe().contains("portable Java GEMM") && b.describe().contains("sae.blas=java"), b.describe());
    }

    @Test
    void blasThatCannotRunFallsBackAndKeepsTheReason() {
        CpuBackend b = Backends.cpu("no CUDA backend in this build", "bundled",
                () -> { throw new UnsupportedOperationException("cannot open libopenblas.so.0: libgfortran.so.5: cannot open shared object file"); });
        assertTrue(b.describe().contains("portable Java GEMM"), b.describe());
        assertTrue(b.describe().contains("libgfortran.so.5: cannot open shared object file"), b.describe());
        assertTrue(b.describe().contains("no CUDA backend in this build"), b.describe());
    }

    @Test
    void anyOtherFailureOfTheFastPathIsABugAndPropagates() {
        assertThrows(IllegalStateException.class, () -> Backends.cpu("", "bundled", () -> { throw new IllegalStateException("bug"); }));
    }
}
