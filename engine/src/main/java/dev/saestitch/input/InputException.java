package dev.saestitch.input;

/** A problem with the user's input; the message is one line naming the file or flag (see {@link InputProblem}). */
public class InputException extends RuntimeException implements InputProblem {

    public InputException(String message) { super(message); }

    public InputException(String message, Throwable cause) { super(message, cause); }
}
