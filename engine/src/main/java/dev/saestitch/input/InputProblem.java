package dev.saestitch.input;

/**
 * Marks an exception caused by what the user gave (a file, a flag value, a setting, a machine
 * that cannot run what was asked for). Its message is one line naming the file or flag; a command
 * line prints it alone and exits 1. Any other exception is a bug and keeps its stack trace.
 * Most such exceptions extend {@link InputException}; this interface lets one whose superclass
 * is fixed by its callers (e.g. {@code BackendUnavailableException}, an
 * {@code UnsupportedOperationException} that backend selection catches) join the family.
 */
public interface InputProblem {}
