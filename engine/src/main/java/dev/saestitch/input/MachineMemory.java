package dev.saestitch.input;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/** This machine's physical memory, and byte counts as the one-line refusals print them. */
public final class MachineMemory {

    private MachineMemory() {}

    /** Physical memory of this machine or container, in bytes. */
    public static long physical() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    }

    /** E.g. "25.6 GiB". */
    public static String gib(long bytes) { return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30)); }
}
