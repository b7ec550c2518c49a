package dev.saestitch.cli;

/** A problem with what the user asked for; reported as one line and exit code 1. */
public final class UserInputException extends RuntimeException {
    public UserInputException(String message) { super(message); }
}
