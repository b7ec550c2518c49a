package dev.saestitch.train;

/** Receives a {@link TrainProgress} every {@code logEvery} steps and after the last step. */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(TrainProgress progress);
}
