package dev.saestitch.backend.cpu;

/**
 * Whether this JVM runs with {@code --add-modules jdk.incubator.vector} (the tests, the benchmarks
 * and the launcher's long commands do). The CPU kernels that have a SIMD form choose it only then,
 * so that its classes are loaded only where the module is; each has a scalar form for the rest.
 */
final class VectorModule {

    private static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorModule() {}

    static boolean present() { return PRESENT; }
}
