package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.bindings.cuda.CudaLibraries;
import dev.saestitch.cli.report.JsonReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** Says which backend and BLAS would run, and why. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the Java runtime, the compute backend and the BLAS library that run here, and why.")
final class InfoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;
    @Mixin JsonOption json;

    @Override
    public Integer call() {
        try (Backend backend = backendOption.open()) {
            JsonReport report = new JsonReport()
                    .put("saestitch", spec.root().version()[0])
                    .put("java", Runtime.version().toString())
                    .put("cpus", Runtime.getRuntime().availableProcessors())
                    .put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20)
                    .put("backend", backend.name())
                    .put("backend_detail", backend.describe())
                    .put("cuda_libraries", CudaLibraries.report());
            if (json.enabled) report.print(spec.commandLine().getOut());
            else report.fields().forEach((k, v) -> spec.commandLine().getOut().printf("%-14s %s%n", k, v));
        }
        return 0;
    }
}
