package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import picocli.CommandLine.Option;

/** {@code --backend auto|cpu|cuda}, shared by every command that computes. */
final class BackendOption {

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda",
            description = "Compute backend (default: ${DEFAULT-VALUE}; the property sae.backend or SAESTITCH_BACKEND set the default).",
            defaultValue = "${sys:sae.backend:-${env:SAESTITCH_BACKEND:-auto}}")
    String backend;

    /** Opens the chosen backend; the caller closes it. */
    Backend open() { return Backends.select(backend); }
}
