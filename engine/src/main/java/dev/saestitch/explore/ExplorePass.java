package dev.saestitch.explore;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cuda.CudaBackend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.sae.SaeRunner;

import java.lang.foreign.Arena;
import java.util.function.LongConsumer;

/**
 * The explorer's streaming pass: the rows of the data in order (a hit's row must name the token
 * it came from), encoded in batches on the backend, their sparse codes folded into
 * {@link LatentProfiles}. Only the codes (B·k entries) come back to the host, never z.
 */
public final class ExplorePass {

    /** Firings sampled per latent for the quantile examples. */
    public static final int RESERVOIR = 256;

    private ExplorePass() {}

    /** Profiles of the SAE's latents over the first {@code rows} rows of {@code source}. */
    public static LatentProfiles run(Backend backend, Sae sae, ActivationSource source, long rows, int batch, int topN, long seed, LongConsumer progress) {
        if (rows < 1 || rows > source.rows()) throw new IllegalArgumentException("rows must be in [1, " + source.rows() + "], got " + rows);
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        LatentProfiles profiles = new LatentProfiles(sae.width(), topN, RESERVOIR, seed);
        int b = (int) Math.min(batch, rows);
        try (Arena arena = Arena.ofShared();
             SaeRunner runner = new SaeRunner(backend, sae, b);
             SparseCodes host = new SparseCodes(b, sae.width(), (long) b * Math.max(1, sae.k()))) {
            Matrix x = Matrix.allocate(arena, b, sae.dIn());
            long[] ids = new long[b];
            for (long first = 0; first < rows; first += b) {
                int n = (int) Math.min(b, rows - first);
                for (int i = 0; i < n; i++) ids[i] = first + i;
                Matrix xv = x.rows(0, n);
                source.read(ids, 0, xv);
                profiles.accept(onHost(backend, runner.encode(xv), host), first);
                progress.accept(first + n);
            }
        }
        return profiles;
    }

    /** The codes themselves on a host backend; a device backend's copied into {@code host}. */
    private static SparseCodes onHost(Backend backend, SparseCodes codes, SparseCodes host) {
        if (!(backend instanceof CudaBackend cuda)) return codes;
        cuda.downloadCodes(codes, host);
        return host;
    }
}
