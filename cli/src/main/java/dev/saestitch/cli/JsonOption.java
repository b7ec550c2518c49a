package dev.saestitch.cli;

import picocli.CommandLine.Option;

/** {@code --json}: one JSON object on stdout instead of the readable output; its keys are a contract for scripts. */
final class JsonOption {

    @Option(names = "--json", description = "Print one JSON object with the results on stdout.")
    boolean enabled;
}
