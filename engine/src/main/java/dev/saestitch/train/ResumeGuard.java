package dev.saestitch.train;

import dev.saestitch.tensor.Matrix;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Refuses to resume from a checkpoint that is not this run's: settings that differ from the
 * command's (each named, with both values), other data or another data order, or state that no
 * run can have reached (a step outside [0, steps], a feed position the data does not have,
 * non-finite weights). Issue 14: a resume once kept the checkpoint's width, k and data silently.
 */
final class ResumeGuard {

    private ResumeGuard() {}

    /** The configuration, data and scalars of {@code saved} against what this run asks for. */
    static void check(Path stateFile, Checkpoint.State saved, TrainConfig requested, FeedIdentity data) throws CheckpointException {
        List<String> differences = differences(saved.config(), requested);
        if (!differences.isEmpty())
            throw new CheckpointException(stateFile, "the checkpoint's run has other settings than this command: " + String.join(", ", differences)
                    + "; run with the checkpoint's settings, or without --resume to start over");
        FeedIdentity was = saved.data();
        if (was == null) throw new CheckpointException(stateFile, "records no data fingerprint");
        if (!was.sameDataAs(data)) {
            String what = was.orderSeed() != data.orderSeed() && was.rows() == data.rows() && was.fingerprint().equals(data.fingerprint())
                    ? "the data order differs (seed " + was.orderSeed() + ", now " + data.orderSeed() + ")"
                    : "the data differs: the run trained on " + was.description() + " (" + was.rows() + " rows of " + was.dim()
                      + ", fingerprint " + was.fingerprint() + "), this command gives " + data.description() + " (" + data.rows() + " rows of "
                      + data.dim() + ", fingerprint " + data.fingerprint() + ")";
            throw new CheckpointException(stateFile, what + "; resume with the run's own data, or start over without --resume");
        }
        long steps = saved.config().steps();
        if (saved.step() < 0 || saved.step() > steps)
            throw new CheckpointException(stateFile, "step " + saved.step() + " is outside the run's 0.." + steps);
        if (!(saved.inputScale() > 0 && Float.isFinite(saved.inputScale())))
            throw new CheckpointException(stateFile, "input scale " + saved.inputScale() + " is not positive and finite");
        if (saved.thresholdCount() < 0 || saved.thresholdCount() > saved.step() || !Double.isFinite(saved.thresholdSum()))
            throw new CheckpointException(stateFile, "BatchTopK threshold estimate (sum " + saved.thresholdSum() + " over "
                    + saved.thresholdCount() + " steps) does not fit step " + saved.step());
    }

    /** @throws CheckpointException naming the first tensor with a NaN or infinite entry */
    static void requireFinite(Path tensorFile, Map<String, Matrix> tensors) throws CheckpointException {
        for (Map.Entry<String, Matrix> e : tensors.entrySet()) {
            Matrix m = e.getValue();
            for (long i = 0; i < m.size(); i++) {
                float v = m.getFlat(i);
                if (!Float.isFinite(v))
                    throw new CheckpointException(tensorFile, "tensor '" + e.getKey() + "' holds " + v + " at row " + i / m.cols()
                            + ", column " + i % m.cols() + "; the run had diverged before this checkpoint");
            }
        }
    }

    /** "width 32 (now 64)" for every setting that differs, in the record's order, with spaced-out names. */
    static List<String> differences(TrainConfig saved, TrainConfig requested) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : TrainConfig.class.getRecordComponents()) {
            Object was = value(c, saved), now = value(c, requested);
            if (!Objects.equals(was, now)) out.add(words(c.getName()) + " " + was + " (now " + now + ")");
        }
        return out;
    }

    private static Object value(RecordComponent c, TrainConfig cfg) {
        try {
            return c.getAccessor().invoke(cfg);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("TrainConfig accessor " + c.getName(), e);
        }
    }

    /** totalTokens → "total tokens". */
    private static String words(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    }
}
