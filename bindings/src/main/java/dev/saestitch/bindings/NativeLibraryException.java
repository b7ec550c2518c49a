package dev.saestitch.bindings;

/**
 * A native library could not be extracted, opened or bound. The message says which library,
 * where it was looked for and why it failed (the dynamic loader's own words when it has them),
 * so that a caller falling back to a slower path can print it.
 */
public class NativeLibraryException extends RuntimeException {

    public NativeLibraryException(String message) { super(message); }

    public NativeLibraryException(String message, Throwable cause) { super(message, cause); }
}
