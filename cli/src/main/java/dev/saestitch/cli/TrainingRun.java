package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.ShuffledFeed;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** One training run with a progress line, optional checkpoints and resume; shared by train and demo. */
final class TrainingRun {

    /**
     * The trained SAE (the caller closes it), its steps and tokens in all, and the wall time and
     * tokens of this process's part of the run (they differ after a resume).
     */
    record Result(Sae sae, long steps, long tokens, double seconds, long tokensThisRun) {
        double tokensPerSecond() { return tokensThisRun / Math.max(1e-9, seconds); }
    }

    private TrainingRun() {}

    /**
     * Trains on {@code source} in the order given by {@code seed}. With {@code checkpointEvery} > 0
     * the run is saved to {@code checkpoint} every that many steps; with {@code resume} it continues
     * from there when a checkpoint exists.
     */
    static Result run(Backend backend, TrainConfig cfg, ActivationSource source, long seed, String label,
                      Path checkpoint, long checkpointEvery, boolean resume, PrintWriter err) throws IOException {
        ShuffledFeed feed = new ShuffledFeed(source, seed);
        long started = System.nanoTime();
        try (Trainer trainer = resume && checkpoint != null && Files.isDirectory(checkpoint)
                ? Trainer.resume(checkpoint, backend, feed) : Trainer.start(backend, cfg, feed)) {
            long resumedAt = trainer.step();
            if (resumedAt > 0) err.println(label + ": resumed at step " + resumedAt + " from " + checkpoint);
            Progress progress = new Progress(err, label, trainer.config().steps() * trainer.config().batchSize(), "tok");
            while (!trainer.finished()) {
                trainer.run(checkpointEvery > 0 ? checkpointEvery : Long.MAX_VALUE,
                        p -> progress.status(p.tokens(), String.format("loss %.4g mse %.4g l0 %.1f dead %.1f%%",
                                p.loss(), p.mse(), p.l0(), 100 * p.deadFraction())));
                if (checkpointEvery > 0 && !trainer.finished()) trainer.checkpoint(checkpoint);
            }
            progress.done();
            int batch = trainer.config().batchSize();
            return new Result(trainer.result(), trainer.step(), trainer.step() * batch,
                    (System.nanoTime() - started) / 1e9, (trainer.step() - resumedAt) * batch);
        }
    }
}
