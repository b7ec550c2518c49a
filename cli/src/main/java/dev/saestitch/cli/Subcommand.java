package dev.saestitch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.saestitch.cli.report.JsonReport;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs another saestitch command in this process, as the demos do, and returns its --json object. */
final class Subcommand {

    private Subcommand() {}

    /** The command's stderr is the caller's; a non-zero exit is an error naming the command line. */
    static Map<String, Object> json(CommandSpec caller, String... args) {
        StringWriter captured = new StringWriter();
        int code = Main.commandLine(new PrintWriter(captured, true), caller.commandLine().getErr()).execute(args);
        // The command has reported its problem on stderr; a refusal of the input stays a refusal here.
        if (code == ErrorReporter.INPUT_ERROR) throw new UserInputException("'" + String.join(" ", args) + "' refused its input (see above)");
        if (code != 0) throw new IllegalStateException(caller.name() + ": '" + String.join(" ", args) + "' exited with " + code);
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> result = JsonReport.mapper().readValue(captured.toString(), Map.class);
            return result;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(caller.name() + ": '" + args[0] + "' did not print one JSON object", e);
        }
    }
}
