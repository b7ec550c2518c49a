package dev.saestitch.cli;

import dev.saestitch.input.InputProblem;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Turns an exception from a command into an exit code, as picocli's exit-code mapper, and reports
 * it. Problems with the user's input ({@link InputProblem}: bad files, bad values, a backend that
 * cannot run here) and failures of the file system on the user's paths ({@link IOException}, also
 * wrapped in {@link UncheckedIOException}) are one line on stderr and exit 1; anything else (an
 * {@link IllegalArgumentException} from inside the engine included) is a bug: its stack trace and exit 70.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler, CommandLine.IExitCodeExceptionMapper {

    static final int INPUT_ERROR = 1;
    static final int INTERNAL_ERROR = 70;

    @Override
    public int getExitCode(Throwable ex) {
        return ex instanceof InputProblem || ex instanceof IOException || ex instanceof UncheckedIOException ? INPUT_ERROR : INTERNAL_ERROR;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        int code = getExitCode(ex);
        if (code == INPUT_ERROR) {
            cmd.getErr().println("saestitch " + cmd.getCommandName() + ": " + message(ex));
        } else {
            cmd.getErr().println("saestitch " + cmd.getCommandName() + ": internal error, please report it:");
            ex.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return code;
    }

    private static String message(Throwable ex) {
        if (ex instanceof UncheckedIOException u && u.getCause() != null) return message(u.getCause());
        if (ex instanceof java.nio.file.NoSuchFileException n) return n.getFile() + ": no such file or directory";
        if (ex instanceof java.nio.file.AccessDeniedException a) return a.getFile() + ": permission denied";
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m.replace('\n', ' ');
    }
}
