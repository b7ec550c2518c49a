package dev.saestitch.backend.select;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.BackendUnavailableException;
import dev.saestitch.backend.cpu.BlasGemm;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.Gemm;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.backend.cuda.CudaBackend;
import dev.saestitch.backend.cuda.GemmPrecision;
import dev.saestitch.bindings.cblas.OpenBlas;
import dev.saestitch.bindings.cuda.CudaLibraries;
import dev.saestitch.input.InputException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Chooses the backend once, at start. In the manner of jvector's and Lucene's vectorization
 * providers: a fast implementation whose constructor cannot run here throws
 * {@link UnsupportedOperationException}, the choice logs why (at debug level) and falls back to the portable one,
 * and the reason stays in {@link Backend#describe()}; any other exception is a bug and propagates.
 *
 * <p>Settings: {@value #PROPERTY} / {@value #ENV} = auto | cpu | cuda (default auto: cuda when a
 * device is present and the CUDA libraries load, else cpu, saying why), {@code sae.blas} /
 * {@code SAESTITCH_BLAS} = java to force the portable GEMM (see {@link OpenBlas}), and
 * {@link GemmPrecision#PROPERTY} for the CUDA backend's GEMM precision.
 */
public final class Backends {

    public static final String PROPERTY = "sae.backend";
    public static final String ENV = "SAESTITCH_BACKEND";

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {}

    /**
     * @param preference "auto", "cpu" or "cuda"; null or blank reads {@value #PROPERTY}, then
     *                   {@value #ENV}, then takes "auto"
     * @throws BackendUnavailableException when "cuda" is asked for and cannot run here (the message says why)
     * @throws IllegalArgumentException for any other name
     */
    public static Backend select(String preference) {
        String choice = isBlank(preference) ? configured() : preference.strip();
        return switch (choice.toLowerCase(Locale.ROOT)) {
            case "auto" -> auto();
            case "cpu" -> cpu("", OpenBlas.choice(), BlasGemm::new);
            case "cuda" -> cuda("");
            default -> throw new InputException("unknown backend '" + choice + "': expected auto, cpu or cuda");
        };
    }

    /** CUDA when it can run, else the CPU; on a machine without CUDA that is normal, so the reason goes to describe() and a debug log only. */
    private static Backend auto() {
        if (CudaLibraries.emulated())  // the emulated device is for trying the CUDA path's semantics, never for speed
            return cpu("CUDA not available: the CUDA libraries are the emulated device's (" + CudaLibraries.DIR_PROPERTY + " = " + CudaLibraries.EMULATED
                    + "), which only --backend cuda uses", OpenBlas.choice(), BlasGemm::new);
        try {
            return cuda("chosen automatically: a CUDA device is present and the libraries load");
        } catch (UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.DEBUG, "CUDA backend not available, using the CPU: " + e.getMessage());
            return cpu("CUDA not available: " + e.getMessage(), OpenBlas.choice(), BlasGemm::new);
        }
    }

    /** @throws BackendUnavailableException when there is no device or a CUDA library does not load, saying which */
    private static CudaBackend cuda(String why) {
        try {
            return new CudaBackend(GemmPrecision.configured(), why);
        } catch (BackendUnavailableException e) {
            throw new BackendUnavailableException("backend 'cuda' cannot run here: " + e.getMessage());
        }
    }

    /** The setting when no preference is passed: {@value #PROPERTY}, else {@value #ENV}, else "auto". */
    static String configured() {
        String p = System.getProperty(PROPERTY);
        if (!isBlank(p)) return p.strip();
        String e = System.getenv(ENV);
        return isBlank(e) ? "auto" : e.strip();
    }

    /**
     * The CPU backend with the BLAS product, or the portable one when {@code blasChoice} is
     * "java" or the BLAS product cannot run here.
     *
     * @param why why the CPU backend was chosen ("" when it was asked for)
     */
    static CpuBackend cpu(String why, String blasChoice, Supplier<Gemm> blas) {
        List<String> reasons = new ArrayList<>();
        if (!why.isEmpty()) reasons.add(why);
        Gemm gemm;
        if (blasChoice.equals(OpenBlas.JAVA)) {
            gemm = new JavaGemm();
            reasons.add(OpenBlas.CHOICE_PROPERTY + "=" + OpenBlas.JAVA);
        } else {
            try {
                gemm = blas.get();
            } catch (UnsupportedOperationException e) {
                LOG.log(System.Logger.Level.DEBUG, "BLAS is not available, using the portable Java GEMM: " + e.getMessage());
                gemm = new JavaGemm();
                reasons.add("BLAS not available: " + e.getMessage());
            }
        }
        return new CpuBackend(gemm, String.join("; ", reasons));
    }

    private static boolean isBlank(String s) { return s == null || s.isBlank(); }
}
