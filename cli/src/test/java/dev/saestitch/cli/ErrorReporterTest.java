package dev.saestitch.cli;

import dev.saestitch.backend.BackendUnavailableException;
import dev.saestitch.input.InputException;
import dev.saestitch.io.SaeFileException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** User errors are one line and exit 1; everything else, an IllegalArgumentException from inside the engine included, is a bug: stack trace, exit 70. */
class ErrorReporterTest {

    /** A command that throws what it is given, run as saestitch runs its commands. */
    @Command(name = "thrower")
    static final class Thrower implements Callable<Integer> {
        private final Exception toThrow;

        Thrower(Exception toThrow) { this.toThrow = toThrow; }

        @Override public Integer call() throws Exception { throw toThrow; }
    }

    private record Outcome(int code, String err) {}

    private static Outcome run(Exception ex) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.configured(new CommandLine(new Thrower(ex)), new PrintWriter(out, true), new PrintWriter(err, true)).execute();
        assertEquals("", out.toString());
        return new Outcome(code, err.toString());
    }

    private static void assertOneLine(String expected, Exception ex) {
        Outcome o = run(ex);
        assertEquals(ErrorReporter.INPUT_ERROR, o.code(), o.err());
        assertEquals("saestitch thrower: " + expected + System.lineSeparator(), o.err());
    }

    private static void assertInternal(Exception ex) {
        Outcome o = run(ex);
        assertEquals(ErrorReporter.INTERNAL_ERROR, o.code(), o.err());
        assertTrue(o.err().startsWith("saestitch thrower: internal error, please report it:"), o.err());
        assertTrue(o.err().contains(ex.getClass().getName()) && o.err().contains("\tat "), "a stack trace: " + o.err());
    }

    @Test void userErrorsAreOneLineAndExitOne() {
        assertOneLine("--width must be at least 1, got 0", new UserInputException("--width must be at least 1, got 0"));
        assertOneLine("a.npy: row 3 is NaN", new InputException("a.npy: row 3 is NaN"));
        assertOneLine("sae: no cfg.json", new SaeFileException(Path.of("sae"), "no cfg.json"));
        assertOneLine("backend 'cuda' cannot run here: no device", new BackendUnavailableException("backend 'cuda' cannot run here: no device"));
        assertOneLine("x.npy: no such file or directory", new UncheckedIOException(new NoSuchFileException("x.npy")));
    }

    @Test void everyOtherExceptionIsABugWithItsStackTrace() {
        assertInternal(new NullPointerException("a bug"));
        assertInternal(new IllegalArgumentException("gemm shapes: op(A) 3x4, op(B) 5x6"));
        assertInternal(new IllegalStateException("the text ran out of tokens"));
        assertInternal(new UnsupportedOperationException("not a backend refusal"));
    }

    @Test void aUserErrorMessageNeverSpansLines() {
        Outcome o = run(new InputException("first\nsecond"));
        assertFalse(o.err().strip().contains("\n"), o.err());
    }
}
