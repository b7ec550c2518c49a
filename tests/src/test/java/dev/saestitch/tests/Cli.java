package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs one saestitch command in this JVM and keeps its exit code, stdout and stderr. */
record Cli(int exitCode, String out, String err) {

    static Cli run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    JsonNode json() {
        try {
            return new ObjectMapper().readTree(out);
        } catch (Exception e) {
            throw new AssertionError("stdout is not one JSON object: " + out + "\nstderr: " + err, e);
        }
    }

    /** The last non-empty line of stderr (the error report of a failed command). */
    String lastErrorLine() {
        String[] lines = err.strip().split("\n");
        return lines[lines.length - 1];
    }
}
