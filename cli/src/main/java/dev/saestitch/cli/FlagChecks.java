package dev.saestitch.cli;

/** Flag values out of range, refused in one line naming the flag before any work is done. */
final class FlagChecks {

    private FlagChecks() {}

    /** Refuses {@code value} below {@code min}. */
    static void atLeast(String flag, long value, long min) {
        if (value < min) throw new UserInputException(flag + " must be at least " + min + ", got " + value);
    }
}
