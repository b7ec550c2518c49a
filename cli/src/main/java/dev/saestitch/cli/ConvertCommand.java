package dev.saestitch.cli;

import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Converts an SAE between the SAELens and sparsify layouts, keeping its function (unlike
 * SAELens's own sparsify loader, which transposes W_dec and mis-sets apply_b_dec_to_input).
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert an SAE (SAELens or sparsify layout) into the SAELens or sparsify layout; the SAE computes the same function.")
final class ConvertCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "The SAE directory to read.")
    Path in;
    @Parameters(index = "1", paramLabel = "OUT", description = "The directory to write (replaced if it holds an SAE).")
    Path out;
    @Option(names = "--format", required = true, paramLabel = "saelens|sparsify", description = "Layout to write.")
    String format;
    @Mixin JsonOption json;

    @Override
    public Integer call() throws IOException {
        SaeFiles.Format target = FormatOption.parse(format);
        new DistinctPaths().input("IN", in).output("OUT", out).check();
        try (Sae sae = SaeFiles.load(in)) {
            SaeFiles.save(sae, out, target);
            new JsonReport().put("in", in.toString()).put("out", out.toString()).put("format", target.cliName())
                    .put("architecture", sae.architecture().cliName()).put("d_in", sae.dIn()).put("width", sae.width())
                    .print(spec.commandLine().getOut(), json.enabled);
        }
        return 0;
    }
}
