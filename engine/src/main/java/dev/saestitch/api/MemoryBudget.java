package dev.saestitch.api;

import dev.saestitch.input.InputException;
import dev.saestitch.input.MachineMemory;
import dev.saestitch.train.TrainConfig;

/**
 * Estimates of the memory a task will take, checked before it allocates anything. Native memory
 * (our matrices) is not bounded by the Java heap, and Linux promises more than it has: a run that
 * does not fit is killed by the kernel's OOM killer halfway, with no message. So a task whose
 * estimate exceeds the machine's physical memory (the container's limit, where there is one) is
 * refused in one line that gives both figures.
 */
public final class MemoryBudget {

    private MemoryBudget() {}

    /**
     * Bytes a training run holds at least: the weights (2·F·D + F + D floats), their gradients and
     * Adam's two moments (four copies in all), and about three B×F float matrices for the batch
     * (pre-activations, codes and their gradient). Buffers of B×D and below are left out.
     */
    public static long training(TrainConfig cfg, int dIn) {
        long f = cfg.width(), d = dIn, b = cfg.batchSize();
        long parameters = 2 * f * d + f + d;
        return Float.BYTES * (4 * parameters + 3 * b * f);
    }

    /** @throws InputException when {@code bytes} exceed the physical memory, naming {@code what} and both figures */
    public static void require(long bytes, String what) {
        long total = MachineMemory.physical();
        if (bytes > total)
            throw new InputException(what + " needs at least " + MachineMemory.gib(bytes) + " of memory, more than this machine's " + MachineMemory.gib(total));
    }

}
