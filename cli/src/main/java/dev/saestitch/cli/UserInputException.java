package dev.saestitch.cli;

import dev.saestitch.input.InputException;

/** A problem with what the user asked for on the command line; reported as one line and exit code 1. */
public final class UserInputException extends InputException {
    public UserInputException(String message) { super(message); }
}
