package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.io.AtomicFiles;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.ShuffledFeed;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.TrainProgress;
import dev.saestitch.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One training run with optional checkpoints and resume: what train and the demo call. */
public final class Training {

    /**
     * Where and how often a run is saved; {@code every} = 0 never saves, {@code resume} continues
     * from {@code dir} when it holds a checkpoint.
     */
    public record Checkpoints(Path dir, long every, boolean resume) {
        public static final Checkpoints NONE = new Checkpoints(null, 0, false);
    }

    /** What a caller hears while the run goes: where it starts (resumed or 0) and the trainer's progress reports. */
    public interface Listener {
        /** @param totalTokens tokens of the whole run (the checkpoint's configuration when resumed) */
        void started(long resumedAtStep, long totalTokens);

        void progress(TrainProgress p);
    }

    /**
     * The trained SAE (the caller closes it), its steps and tokens in all, and the wall time and
     * tokens of this process's part of the run (they differ after a resume).
     */
    public record Result(Sae sae, long steps, long tokens, double seconds, long tokensThisRun) {
        public double tokensPerSecond() { return tokensThisRun / Math.max(1e-9, seconds); }
    }

    private Training() {}

    /** Trains on {@code source} in the order given by {@code seed}, checkpointing as {@code checkpoints} says. */
    public static Result run(Backend backend, TrainConfig cfg, ActivationSource source, long seed, Checkpoints checkpoints,
                             Listener listener) throws IOException {
        MemoryBudget.require(MemoryBudget.training(cfg, source.dim()),
                "training " + cfg.architecture().cliName() + " with " + cfg.width() + " latents on " + source.dim() + " dimensions, batch " + cfg.batchSize());
        ShuffledFeed feed = new ShuffledFeed(source, seed);
        long started = System.nanoTime();
        if (checkpoints.resume() && checkpoints.dir() != null) AtomicFiles.recoverLeftovers(checkpoints.dir());
        boolean resume = checkpoints.resume() && checkpoints.dir() != null && Files.isDirectory(checkpoints.dir());
        try (Trainer trainer = resume ? Trainer.resume(checkpoints.dir(), backend, feed, cfg) : Trainer.start(backend, cfg, feed)) {
            long resumedAt = trainer.step();
            int batch = trainer.config().batchSize();
            listener.started(resumedAt, trainer.config().steps() * batch);
            long every = checkpoints.every() > 0 ? checkpoints.every() : Long.MAX_VALUE;
            while (!trainer.finished()) {
                trainer.run(every, listener::progress);
                if (checkpoints.every() > 0 && !trainer.finished()) trainer.checkpoint(checkpoints.dir());
            }
            return new Result(trainer.result(), trainer.step(), trainer.step() * batch,
                    (System.nanoTime() - started) / 1e9, (trainer.step() - resumedAt) * batch);
        }
    }
}
