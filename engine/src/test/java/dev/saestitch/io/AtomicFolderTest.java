package dev.saestitch.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Folder replacement is one atomic exchange (renameat2 through FFM); where the file system cannot
 * exchange, two renames, and a run killed between them (simulated by leaving its leftovers by
 * hand) is put back by the next one; temporaries of gone processes are swept, those of live ones kept.
 */
class AtomicFolderTest {

    @TempDir Path tmp;

    private static void write(Path file, String text) throws IOException { Files.writeString(file, text); }

    private static String read(Path file) throws IOException { return Files.readString(file); }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The pid of a process that has ended (a killed run's). */
    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long pid = p.pid();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return pid;
    }

    @Test
    void exchangeSwapsTwoFoldersThroughRenameat2() throws IOException {
        Path a = Files.createDirectory(tmp.resolve("a")), b = Files.createDirectory(tmp.resolve("b"));
        write(a.resolve("x"), "in a");
        write(b.resolve("y"), "in b");
        assertEquals(null, FolderExchange.exchange(a, b), "ext4 and tmpfs exchange atomically");
        assertEquals("in b", read(a.resolve("y")));
        assertEquals("in a", read(b.resolve("x")));
        IOException gone = assertThrows(IOException.class, () -> FolderExchange.exchange(a, tmp.resolve("missing")));
        assertTrue(gone.getMessage().contains("No such file or directory (errno 2)"), gone.getMessage());
    }

    @Test
    void replacementLeavesOnlyTheNewFolder() throws IOException {
        Path target = tmp.resolve("sae");
        AtomicFiles.replaceDirectory(target, Set.of("f"), d -> write(d.resolve("f"), "one"));
        AtomicFiles.replaceDirectory(target, Set.of("f"), d -> write(d.resolve("f"), "two"));
        assertEquals("two", read(target.resolve("f")));
        assertEquals(List.of("sae"), names(tmp));
    }

    @Test
    void fallbackOfTwoRenamesReplacesToo() throws IOException {
        Path target = tmp.resolve("sae");
        AtomicFiles.replaceDirectory(target, Set.of("f"), d -> write(d.resolve("f"), "one"));
        AtomicFiles.replaceDirectory(target, AtomicFiles.ours(Set.of("f")), d -> write(d.resolve("f"), "two"),
                (a, b) -> new FolderExchange.Unsupported("refused by the test"));
        assertEquals("two", read(target.resolve("f")));
        assertEquals(List.of("sae"), names(tmp));
    }

    /** Killed between the fallback's renames: no folder at the path, the old one hidden as .old, the new one as .tmp. */
    @Test
    void killBetweenTheTwoRenamesIsRecoveredByTheNextRun() throws Exception {
        long pid = deadPid();
        Path target = tmp.resolve("run.checkpoint");
        Path old = Files.createDirectory(tmp.resolve(".run.checkpoint." + pid + ".00000000000000aa.old"));
        Path half = Files.createDirectory(tmp.resolve(".run.checkpoint." + pid + ".00000000000000bb.tmp"));
        write(old.resolve("state.json"), "step 18");
        write(half.resolve("state.json"), "step 24");
        AtomicFiles.recoverLeftovers(target);
        assertEquals("step 18", read(target.resolve("state.json")), "the last complete folder is back");
        assertEquals(List.of("run.checkpoint"), names(tmp));
    }

    @Test
    void staleTemporariesAreSweptAndLiveOnesKept() throws Exception {
        long dead = deadPid(), live = ProcessHandle.current().parent().orElseThrow().pid();
        Path staleFile = tmp.resolve(".acts.npy." + dead + ".0123456789abcdef.tmp");
        Path staleDir = Files.createDirectories(tmp.resolve(".sae." + dead + ".00000000000000cc.tmp").resolve("sub"));
        Path staleOld = Files.createDirectory(tmp.resolve(".out." + dead + ".00000000000000dd.old"));
        Path liveFile = tmp.resolve(".acts.npy." + live + ".fedcba9876543210.tmp");
        Path usersOwn = tmp.resolve(".acts.npy.tmp");
        for (Path p : List.of(staleFile, liveFile, usersOwn)) write(p, "x");
        Files.createDirectory(tmp.resolve("out"));
        AtomicFiles.write(tmp.resolve("report.csv"), "a,b\n".getBytes(StandardCharsets.UTF_8));
        assertFalse(Files.exists(staleFile));
        assertFalse(Files.exists(staleDir.getParent()));
        assertFalse(Files.exists(staleOld), "an .old beside its existing target is a finished replacement's");
        assertTrue(Files.exists(liveFile), "a live process's temporary is never touched");
        assertTrue(Files.exists(usersOwn), "a name that is not ours is never touched");
        assertEquals(List.of(".acts.npy." + live + ".fedcba9876543210.tmp", ".acts.npy.tmp", "out", "report.csv"), names(tmp));
    }
}
