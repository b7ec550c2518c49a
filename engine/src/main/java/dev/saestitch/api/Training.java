package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.io.AtomicFiles;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.ShuffledFeed;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.TrainProgress;
import dev.saestitch.train.TrainConfigException;
import dev.saestitch.train.TrainerGroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Training runs, alone or several in one pass over the data, with optional checkpoints and resume: what train and the demo call. */
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
        return pass(backend, List.of(cfg), source, seed, checkpoints, Collections.singletonList(checkpoints.dir()), c -> listener).getFirst();
    }

    /** The folder of a member of a ladder: architecture, width and seed, e.g. {@code topk-768-s0}. */
    public static String memberName(TrainConfig cfg) {
        return cfg.architecture().cliName() + "-" + cfg.width() + "-s" + cfg.seed();
    }

    /**
     * Trains every configuration (widths, seeds, architectures) in one pass over {@code source} in
     * the order given by {@code dataSeed}: each batch is read, normalised and uploaded once, and
     * each SAE is bit-identical to {@link #run} of its configuration alone with that data seed.
     * Checkpoints go to {@code checkpoints.dir()/}{@link #memberName}. The results come in the
     * order of {@code configs}; their seconds and tokens this run are the whole pass's.
     *
     * @param listeners the listener of each configuration's progress
     * @throws dev.saestitch.train.TrainConfigException when two configurations have one name, or they
     *                                                  need different batches (batch size, steps, normalisation)
     */
    public static List<Result> ladder(Backend backend, List<TrainConfig> configs, ActivationSource source, long dataSeed,
                                      Checkpoints checkpoints, Function<TrainConfig, Listener> listeners) throws IOException {
        Set<String> names = new HashSet<>();
        List<Path> dirs = new ArrayList<>();
        for (TrainConfig c : configs) {
            if (!names.add(memberName(c))) throw new TrainConfigException("the ladder holds " + memberName(c) + " twice");
            dirs.add(checkpoints.dir() == null ? null : checkpoints.dir().resolve(memberName(c)));
        }
        return pass(backend, configs, source, dataSeed, checkpoints, dirs, listeners);
    }

    private static List<Result> pass(Backend backend, List<TrainConfig> configs, ActivationSource source, long seed, Checkpoints checkpoints,
                                     List<Path> dirs, Function<TrainConfig, Listener> listeners) throws IOException {
        MemoryBudget.require(configs.stream().mapToLong(c -> MemoryBudget.training(c, source.dim())).sum(), "training "
                + configs.stream().map(c -> c.architecture().cliName() + " with " + c.width() + " latents").collect(Collectors.joining(", "))
                + " on " + source.dim() + " dimensions, batch " + configs.getFirst().batchSize());
        ShuffledFeed feed = new ShuffledFeed(source, seed);
        long started = System.nanoTime();
        if (checkpoints.resume() && checkpoints.dir() != null) for (Path dir : dirs) AtomicFiles.recoverLeftovers(dir);
        boolean resume = checkpoints.resume() && checkpoints.dir() != null && Files.isDirectory(checkpoints.dir());
        try (TrainerGroup group = resume ? TrainerGroup.resume(dirs, backend, feed, configs) : TrainerGroup.start(backend, configs, feed)) {
            long resumedAt = group.step();
            List<Listener> each = group.configs().stream().map(listeners).toList();
            for (int i = 0; i < each.size(); i++) each.get(i).started(resumedAt, group.configs().get(i).steps() * group.configs().get(i).batchSize());
            long every = checkpoints.every() > 0 ? checkpoints.every() : Long.MAX_VALUE;
            while (!group.finished()) {
                group.run(every, (member, p) -> each.get(member).progress(p));
                if (checkpoints.every() > 0 && !group.finished()) group.checkpoint(dirs);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            List<Result> results = new ArrayList<>();
            try {
                for (int i = 0; i < each.size(); i++) {
                    long batch = group.configs().get(i).batchSize();
                    results.add(new Result(group.result(i), group.step(), group.step() * batch, seconds, (group.step() - resumedAt) * batch));
                }
            } catch (RuntimeException e) {
                for (Result r : results) r.sae().close();
                throw e;
            }
            return results;
        }
    }
}
