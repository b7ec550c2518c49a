package dev.saestitch.train;

import dev.saestitch.input.InputException;

/**
 * A run whose weights or loss became NaN or infinite (an absurd learning rate, say). Nothing is
 * saved after it; the message, one line, says between which steps it happened, what went
 * non-finite and which checkpoint is still good.
 */
public final class TrainingDivergedException extends InputException {
    TrainingDivergedException(String message) { super(message); }
}
