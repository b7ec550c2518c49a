package dev.saestitch.cli;

import dev.saestitch.api.Training;
import dev.saestitch.train.TrainProgress;

import java.io.PrintWriter;
import java.nio.file.Path;

/** A training run's progress line on stderr, and where it resumed from; shared by train and demo. */
final class TrainingLog implements Training.Listener {

    private final PrintWriter err;
    private final String label;
    private final Path checkpoint;
    private Progress progress;

    /** @param checkpoint named when the run resumes from it (null when there is none) */
    TrainingLog(PrintWriter err, String label, Path checkpoint) {
        this.err = err;
        this.label = label;
        this.checkpoint = checkpoint;
    }

    @Override public void started(long resumedAtStep, long totalTokens) {
        if (resumedAtStep > 0) err.println(label + ": resumed at step " + resumedAtStep + " from " + checkpoint);
        progress = new Progress(err, label, totalTokens, "tok");
    }

    @Override public void progress(TrainProgress p) {
        progress.status(p.tokens(), String.format("loss %.4g mse %.4g l0 %.1f dead %.1f%%", p.loss(), p.mse(), p.l0(), 100 * p.deadFraction()));
    }

    /** The last line of the progress, after the run. */
    void done() { progress.done(); }
}
