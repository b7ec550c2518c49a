package dev.saestitch.testkit;

import dev.saestitch.backend.BackendUnavailableException;
import dev.saestitch.backend.cuda.CudaBackend;
import dev.saestitch.backend.cuda.GemmPrecision;

import static org.junit.jupiter.api.Assumptions.abort;

/** Backends for the tests: the CUDA one (a GPU, or the emulated device the build makes), or the test skipped with the reason. */
public final class TestBackends {

    private TestBackends() {}

    /** A CUDA backend of {@code precision}; where none can run, aborts the test (skipped, saying why). The caller closes it. */
    public static CudaBackend cudaOrSkip(GemmPrecision precision) {
        try {
            return new CudaBackend(precision, "test");
        } catch (BackendUnavailableException e) {
            abort("no CUDA backend here: " + e.getMessage());
            throw new AssertionError(e);   // abort throws; this line is never reached
        }
    }
}
