package dev.saestitch.backend;

/** A backend was asked for by name and cannot run in this build or on this machine; the message says why. */
public final class BackendUnavailableException extends UnsupportedOperationException {
    public BackendUnavailableException(String message) { super(message); }
}
