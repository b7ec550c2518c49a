package dev.saestitch.cli;

import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.input.MachineMemory;
import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.synth.SyntheticConfig;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.tensor.Matrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Writes the synthetic world's activations and its true feature directions to .npy files. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Generate activations from the built-in synthetic world (SPEC §6), whose true features are known.",
                "Writes the N×D activations and the T×D true feature directions (parents, children, independents)."})
final class SynthCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--dim", defaultValue = "128", description = "D, the activation dimension (default: ${DEFAULT-VALUE}).")
    int dim;
    @Option(names = "--rows", defaultValue = "1000000", description = "N, rows to write (default: ${DEFAULT-VALUE}).")
    long rows;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the world: directions, offset and every row (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--out", required = true, description = "Output .npy file for the activations.")
    Path out;
    @Option(names = "--truth", description = "Output .npy file for the true feature directions (default: OUT with .truth.npy).")
    Path truth;
    @Option(names = "--float16", description = "Write the activations as float16 instead of float32.")
    boolean float16;
    @Mixin JsonOption json;

    @Override
    public Integer call() {
        FlagChecks.atLeast("--rows", rows, 1);
        if (!out.getFileName().toString().endsWith(".npy")) throw new UserInputException(out + ": the output must be a .npy file");
        Path truthFile = truth != null ? truth : SyntheticDefaults.truthFileFor(out);
        new DistinctPaths().output("--out", out).output("--truth", truthFile).check();
        requireDiskSpace();
        SyntheticWorld world = new SyntheticWorld(SyntheticDefaults.world(dim, seed).withRows(rows));
        Progress progress = new Progress(spec.commandLine().getErr(), "synth", rows, "rows");
        Npy.write(out, rows, dim, float16 ? DType.F16 : DType.F32, (first, block) -> {
            world.writeRows(first, block);
            progress.advance(block.rows());
        });
        progress.done();
        try (Arena arena = Arena.ofConfined()) {
            Matrix directions = world.trueFeatures().directions(arena);
            Npy.write(truthFile, directions, DType.F32);
        }
        JsonReport report = new JsonReport()
                .put("activations", out.toString())
                .put("truth", truthFile.toString())
                .put("rows", rows)
                .put("dim", dim)
                .put("true_features", world.config().trueFeatureCount())
                .put("seed", seed);
        if (json.enabled) report.print(spec.commandLine().getOut());
        else spec.commandLine().getOut().printf("wrote %d×%d activations to %s and %d true features to %s%n",
                rows, dim, out, world.config().trueFeatureCount(), truthFile);
        return 0;
    }

    /** Refuses, before the first byte, activations that the file system holding --out has no room for. */
    private void requireDiskSpace() {
        double bytes = (double) rows * dim * (float16 ? 2 : 4);
        Path folder = out.toAbsolutePath().getParent();
        while (folder != null && !Files.isDirectory(folder)) folder = folder.getParent();
        if (folder == null) return;
        long free;
        try {
            free = Files.getFileStore(folder).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(folder + ": cannot tell its free space: " + e.getMessage(), e);
        }
        if (bytes > free)
            throw new UserInputException(out + ": " + rows + " rows of " + dim + (float16 ? " float16" : " float32") + " values need "
                    + MachineMemory.gib((long) Math.min(bytes, Long.MAX_VALUE)) + ", the file system holding " + folder + " has " + MachineMemory.gib(free) + " free");
    }
}
