package dev.saestitch.tests;

import dev.saestitch.sae.Architecture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --report DIR} behaves like {@code --out} (issue 14: reports were written file by file into
 * any folder): a folder holding a file saestitch did not write is refused in one line and left as
 * it was; a report replaces an earlier one whole, also one of another command (other file names),
 * leaving no file of the earlier run and no temporary.
 */
class ReportFolderCliTest {

    @TempDir static Path shared;
    @TempDir Path tmp;
    private static Path small, large, rows;

    @BeforeAll static void planted() {
        small = shared.resolve("small");
        large = shared.resolve("large");
        rows = shared.resolve("rows.npy");
        PlantedSaes.writeSmall(small);
        PlantedSaes.writeLarge(large, Architecture.JUMPRELU);
        PlantedSaes.writeRows(rows, 1024);
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFolderWithAUsersFileIsRefusedAndKept() throws IOException {
        Path report = Files.createDirectory(tmp.resolve("r"));
        Files.writeString(report.resolve("notes.txt"), "mine");
        Files.writeString(report.resolve("summary.json"), "{\"mine\": true}");
        Cli c = Cli.run("compare", small.toString(), large.toString(), "--report", report.toString());
        assertEquals(1, c.exitCode(), c.err());
        assertEquals("saestitch compare: " + report.toAbsolutePath() + ": exists and holds [notes.txt], which saestitch did not write; refusing to replace it",
                c.lastErrorLine());
        assertEquals(List.of("notes.txt", "summary.json"), names(report));
        assertEquals("{\"mine\": true}", Files.readString(report.resolve("summary.json")));
        assertEquals(List.of("r"), names(tmp), "no temporary left beside it");
    }

    @Test
    void aReportReplacesAnEarlierOneWhole() throws IOException {
        Path report = tmp.resolve("r");
        Cli compare = Cli.run("compare", small.toString(), large.toString(), "--data", rows.toString(), "--report", report.toString());
        assertEquals(0, compare.exitCode(), compare.err());
        assertTrue(names(report).containsAll(List.of("latents.csv", "summary.json", "delta_mse_vs_max_cosine.png")), names(report).toString());

        Cli stitch = Cli.run("stitch", small.toString(), large.toString(), "--data", rows.toString(), "--report", report.toString());
        assertEquals(0, stitch.exitCode(), stitch.err());
        assertEquals(List.of(".saestitch-report.json", "mse_vs_F.png", "mse_vs_l0.png", "path.csv", "summary.json"), names(report),
                "the stitch report alone: nothing of the compare report is left");
        assertEquals(List.of("r"), names(tmp));

        Files.writeString(report.resolve("notes.txt"), "added by hand");
        Cli again = Cli.run("stitch", small.toString(), large.toString(), "--data", rows.toString(), "--report", report.toString());
        assertEquals(1, again.exitCode(), again.err());
        assertTrue(again.lastErrorLine().contains("holds [notes.txt]"), again.err());
    }
}
