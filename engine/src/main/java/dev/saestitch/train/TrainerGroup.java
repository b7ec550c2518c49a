package dev.saestitch.train;

import dev.saestitch.backend.Backend;
import dev.saestitch.sae.Sae;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Several SAEs (a ladder of widths, several seeds, other architectures) trained in one pass over
 * the data: each step reads, uploads and scales one batch ({@link BatchInput}) and every member
 * trains on it in turn. A member is the {@link Trainer} it would be alone, on the same batches
 * with the same scale, so its weights are bit-identical to a run of its configuration alone on
 * the same feed. The members must agree on what decides the batches: batch size, steps and the
 * input normalisation ({@link #requireOnePass}).
 *
 * <p>Checkpoints: one {@link Checkpoint} folder per member; {@link #resume} requires them all at
 * the same step and feed position.
 */
public final class TrainerGroup implements AutoCloseable {

    /** Hears one member's progress reports. */
    public interface Listener {
        void onProgress(int member, TrainProgress p);
    }

    private final BatchInput input;
    private final List<Trainer> members;

    private TrainerGroup(BatchInput input, List<Trainer> members) {
        this.input = input;
        this.members = List.copyOf(members);
    }

    /** Fresh runs of {@code configs} on {@code feed}: the first batches are read once for all (see {@link Initializer}). */
    public static TrainerGroup start(Backend backend, List<TrainConfig> configs, BatchFeed feed) {
        requireOnePass(configs);
        Initializer.Start start = Initializer.measure(configs.getFirst(), feed);
        BatchInput input = new BatchInput(backend, feed, configs.getFirst().batchSize(), start.inputScale());
        List<Trainer> members = new ArrayList<>();
        try {
            for (TrainConfig c : configs) members.add(Trainer.start(backend, c, start, input, false));
        } catch (RuntimeException e) {
            closeAll(members, input);
            throw e;
        }
        return new TrainerGroup(input, members);
    }

    /**
     * Continues the runs saved in {@code dirs} (one per member, in the order of {@code requested});
     * each is checked as {@link Trainer#resume} checks a run alone.
     *
     * @throws CheckpointException when a member's checkpoint is not of its run, or the members were saved at different steps
     */
    public static TrainerGroup resume(List<Path> dirs, Backend backend, BatchFeed feed, List<TrainConfig> requested) throws IOException {
        if (dirs.size() != requested.size()) throw new IllegalArgumentException(dirs.size() + " checkpoint folders for " + requested.size() + " members");
        requireOnePass(requested);
        Checkpoint.State first = Checkpoint.readState(dirs.getFirst());
        BatchInput input = new BatchInput(backend, feed, requested.getFirst().batchSize(), first.inputScale());
        List<Trainer> members = new ArrayList<>();
        try {
            for (int i = 0; i < dirs.size(); i++) {
                Trainer t = Trainer.resume(dirs.get(i), backend, feed, requested.get(i), input);
                members.add(t);
                if (t.step() != first.step())
                    throw new CheckpointException(dirs.get(i).resolve(Checkpoint.STATE), "saved at step " + t.step() + " but "
                            + dirs.getFirst() + " at step " + first.step() + ": the group's checkpoint was interrupted");
            }
        } catch (IOException | RuntimeException e) {
            closeAll(members, input);
            throw e;
        }
        return new TrainerGroup(input, members);
    }

    /** @throws TrainConfigException when the configurations would need different batches */
    static void requireOnePass(List<TrainConfig> configs) {
        if (configs.isEmpty()) throw new IllegalArgumentException("a training group needs at least one configuration");
        TrainConfig a = configs.getFirst();
        for (TrainConfig b : configs)
            if (b.batchSize() != a.batchSize() || b.steps() != a.steps() || b.normaliseInput() != a.normaliseInput()
                    || (a.normaliseInput() && b.normBatches() != a.normBatches()))
                throw new TrainConfigException("SAEs trained in one pass need the same batch size, steps and input normalisation: "
                        + describe(a) + " vs " + describe(b));
    }

    private static String describe(TrainConfig c) {
        return "batch " + c.batchSize() + ", " + c.steps() + " steps, normalise " + c.normaliseInput() + " over " + c.normBatches() + " batches";
    }

    public List<TrainConfig> configs() { return members.stream().map(Trainer::config).toList(); }

    /** Steps done so far (the same for every member). */
    public long step() { return members.getFirst().step(); }

    public boolean finished() { return members.getFirst().finished(); }

    /** Runs up to {@code maxSteps} more steps of every member, each batch read once. */
    public void run(long maxSteps, Listener listener) {
        long end = members.getFirst().endAfter(maxSteps);
        List<ProgressListener> each = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            int member = i;
            each.add(listener == null ? null : p -> listener.onProgress(member, p));
        }
        while (step() < end) {
            for (Trainer t : members) t.markWindow();
            input.next();
            for (int i = 0; i < members.size(); i++) members.get(i).advance(end, each.get(i));
        }
    }

    /** Member {@code i}'s SAE as trained so far (see {@link Trainer#result}; the caller closes it). */
    public Sae result(int i) { return members.get(i).result(); }

    /** Saves every member to its folder in {@code dirs} (each atomically, see {@link Trainer#checkpoint}). */
    public void checkpoint(List<Path> dirs) {
        if (dirs.size() != members.size()) throw new IllegalArgumentException(dirs.size() + " checkpoint folders for " + members.size() + " members");
        for (int i = 0; i < members.size(); i++) members.get(i).checkpoint(dirs.get(i));
    }

    @Override public void close() { closeAll(members, input); }

    private static void closeAll(List<Trainer> members, BatchInput input) {
        for (Trainer t : members) t.close();
        input.close();
    }
}
