package dev.saestitch.bindings;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Asks the system's dynamic loader why a library does not open. {@code SymbolLookup.libraryLookup}
 * reports only "Cannot open library: X"; the reason that matters (a missing companion such as
 * libgfortran.so.5, a noexec mount, a wrong ELF class) is in {@code dlerror()}, which we fetch by
 * retrying the {@code dlopen} on the same thread.
 */
final class DynamicLoader {

    private static final int RTLD_NOW = 2;
    private static final AddressLayout C_STRING = ADDRESS.withTargetLayout(java.lang.foreign.MemoryLayout.sequenceLayout(Long.MAX_VALUE, JAVA_BYTE));

    private DynamicLoader() {}

    /** The loader's message for {@code dlopen(library)}, or a sentence saying why there is none. */
    static String whyNotOpened(String library) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Optional<MemorySegment> dlopen = libc.find("dlopen"), dlerror = libc.find("dlerror"), dlclose = libc.find("dlclose");
        if (dlopen.isEmpty() || dlerror.isEmpty() || dlclose.isEmpty()) return "this platform's C library has no dlopen/dlerror to ask for the reason";
        MethodHandle open = linker.downcallHandle(dlopen.get(), FunctionDescriptor.of(ADDRESS, C_STRING, JAVA_INT));
        MethodHandle error = linker.downcallHandle(dlerror.get(), FunctionDescriptor.of(C_STRING));
        MethodHandle close = linker.downcallHandle(dlclose.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) open.invokeExact(arena.allocateFrom(library), RTLD_NOW);
            if (!handle.equals(MemorySegment.NULL)) {
                int ignored = (int) close.invokeExact(handle);
                return "dlopen succeeds when retried, so the failure was not the loader's";
            }
            MemorySegment message = (MemorySegment) error.invokeExact();
            return message.equals(MemorySegment.NULL) ? "dlopen failed without a message" : message.getString(0);
        } catch (Throwable t) {
            return "asking dlerror() failed too: " + t;
        }
    }
}
