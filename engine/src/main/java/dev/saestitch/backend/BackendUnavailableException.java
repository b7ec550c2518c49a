package dev.saestitch.backend;

import dev.saestitch.input.InputProblem;

/** A backend was asked for by name and cannot run in this build or on this machine; the message says why. */
public final class BackendUnavailableException extends UnsupportedOperationException implements InputProblem {
    public BackendUnavailableException(String message) { super(message); }
}
