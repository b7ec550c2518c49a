package dev.saestitch.train;

/** A training option out of range or inconsistent with the others; the message names it. */
public final class TrainConfigException extends IllegalArgumentException {
    public TrainConfigException(String message) { super(message); }
}
