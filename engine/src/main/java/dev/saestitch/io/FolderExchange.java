package dev.saestitch.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Swaps two paths in one step: Linux's {@code renameat2(..., RENAME_EXCHANGE)}, called through
 * FFM from libc. Replacing a folder this way leaves, at every instant, either the old folder or
 * the new one at the target (two renames leave nothing there in between). Where the call does not
 * exist (another OS, a libc before 2.28) or the file system refuses the flag (EINVAL; ENOSYS on an
 * old kernel), {@link #exchange} says so by returning false, and the caller falls back.
 */
final class FolderExchange {

    private static final int AT_FDCWD = -100, RENAME_EXCHANGE = 2, EINVAL = 22, ENOSYS = 38;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle RENAMEAT2, STRERROR;

    static {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> renameat2 = linker.defaultLookup().find("renameat2");
        RENAMEAT2 = renameat2.map(f -> linker.downcallHandle(f,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"))).orElse(null);
        STRERROR = linker.defaultLookup().find("strerror").map(f -> linker.downcallHandle(f,
                FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE)), ValueLayout.JAVA_INT))).orElse(null);
    }

    /** Why {@link #exchange} could not swap, when it returned false. */
    record Unsupported(String reason) {}

    private FolderExchange() {}

    /**
     * Swaps {@code a} and {@code b}, which must both exist.
     *
     * @return null when swapped; the reason when this system or file system cannot swap atomically
     * @throws IOException when the swap failed for another reason (a permission, a vanished path)
     */
    static Unsupported exchange(Path a, Path b) throws IOException {
        if (RENAMEAT2 == null) return new Unsupported("this C library has no renameat2");
        int rc, errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment from = arena.allocateFrom(a.toAbsolutePath().toString()), to = arena.allocateFrom(b.toAbsolutePath().toString());
            rc = (int) RENAMEAT2.invokeExact(state, AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
            errno = (int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("renameat2 downcall", t);
        }
        if (rc == 0) return null;
        if (errno == EINVAL || errno == ENOSYS) return new Unsupported("renameat2(RENAME_EXCHANGE): " + describe(errno));
        throw new IOException("cannot exchange " + a + " and " + b + ": " + describe(errno));
    }

    /** "Invalid argument (errno 22)". */
    private static String describe(int errno) {
        if (STRERROR == null) return "errno " + errno;
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
