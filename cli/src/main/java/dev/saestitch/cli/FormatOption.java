package dev.saestitch.cli;

import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Architecture;
import picocli.CommandLine.Option;

import java.util.Locale;

/** {@code --format saelens|sparsify}: the layout of the SAE a command writes. */
final class FormatOption {

    @Option(names = "--format", paramLabel = "saelens|sparsify",
            description = "Layout of the SAE written: saelens (default) or sparsify (TopK SAEs only; cfg.json + sae.safetensors).")
    String name;

    /** The layout asked for, or null when --format is not given. */
    SaeFiles.Format asked() { return name == null ? null : parse(name); }

    /** The layout of a plain SAE: the one asked for, else SAELens. */
    SaeFiles.Format plain() { return name == null ? SaeFiles.Format.SAELENS : parse(name); }

    /** Refuses, before any training, a layout that cannot hold an SAE of {@code architecture}. */
    void checkHolds(Architecture architecture) {
        if (plain() == SaeFiles.Format.SPARSIFY && architecture != Architecture.TOPK)
            throw new UserInputException("--format sparsify holds TopK SAEs; this one would be " + architecture.cliName());
    }

    static SaeFiles.Format parse(String name) {
        for (SaeFiles.Format f : SaeFiles.Format.values()) if (f.cliName().equals(name.toLowerCase(Locale.ROOT))) return f;
        throw new UserInputException("--format must be saelens or sparsify, got '" + name + "'");
    }
}
