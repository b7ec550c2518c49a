package dev.saestitch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The saestitch command line: one subcommand per tool. */
@Command(name = "saestitch",
        mixinStandardHelpOptions = true,
        version = "saestitch 0.1.0",
        description = "Train, compare, stitch and merge sparse autoencoders.",
        subcommands = {InfoCommand.class, SynthCommand.class, ActivationsCommand.class, TrainCommand.class, EvalCommand.class, DemoCommand.class,
                CompareCommand.class, ExploreCommand.class, StitchCommand.class, FrankenCommand.class, MatchCommand.class, MetaCommand.class, ConvertCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    public static void main(String[] args) {
        // The engine's notes (a checkpoint recovered, a file system that cannot exchange folders) as one stderr line each, not java.util.logging's two.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null)
            System.setProperty("java.util.logging.SimpleFormatter.format", "saestitch: %5$s%6$s%n");
        System.exit(commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
    }

    /** The configured command line, writing results to {@code out} and messages to {@code err} (tests drive it this way). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return configured(new CommandLine(new Main()), out, err);
    }

    /** {@code cl} with saestitch's streams, error reports and exit codes. */
    static CommandLine configured(CommandLine cl, PrintWriter out, PrintWriter err) {
        cl.setOut(out);
        cl.setErr(err);
        ErrorReporter errors = new ErrorReporter();
        cl.setExecutionExceptionHandler(errors);
        cl.setExitCodeExceptionMapper(errors);
        return cl;
    }
}
