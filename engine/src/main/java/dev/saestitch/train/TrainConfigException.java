package dev.saestitch.train;

import dev.saestitch.input.InputException;

/** A training option out of range or inconsistent with the others; the message names it. */
public final class TrainConfigException extends InputException {
    public TrainConfigException(String message) { super(message); }
}
