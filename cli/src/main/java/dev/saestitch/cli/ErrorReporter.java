package dev.saestitch.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;

/**
 * Turns an exception from a command into an exit code. Problems with the user's input (bad
 * files, bad values) are one line on stderr; anything else is a bug and keeps its stack trace.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {

    static final int INPUT_ERROR = 1;
    static final int INTERNAL_ERROR = 70;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        if (isUserError(ex)) {
            cmd.getErr().println("saestitch " + cmd.getCommandName() + ": " + message(ex));
            cmd.getErr().flush();
            return INPUT_ERROR;
        }
        cmd.getErr().println("saestitch " + cmd.getCommandName() + ": internal error, please report it:");
        ex.printStackTrace(cmd.getErr());
        cmd.getErr().flush();
        return INTERNAL_ERROR;
    }

    private static boolean isUserError(Throwable ex) {
        return ex instanceof UserInputException
                || ex instanceof dev.saestitch.train.TrainingDivergedException
                || ex instanceof IllegalArgumentException
                || ex instanceof FileSystemException
                || ex instanceof UncheckedIOException
                || ex instanceof IOException
                || ex.getClass().getSimpleName().endsWith("FileException");
    }

    private static String message(Throwable ex) {
        if (ex instanceof UncheckedIOException u && u.getCause() != null) return message(u.getCause());
        if (ex instanceof java.nio.file.NoSuchFileException n) return n.getFile() + ": no such file or directory";
        if (ex instanceof java.nio.file.AccessDeniedException a) return a.getFile() + ": permission denied";
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m.replace('\n', ' ');
    }
}
