package dev.saestitch.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.io.AtomicFiles;
import dev.saestitch.io.SaeFileException;
import org.knowm.xchart.XYChart;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A folder of report files (summary.json, CSV tables, PNG plots), the one writer every report
 * uses. The files are collected, then {@link #commit} publishes them as a whole, like an SAE
 * folder: built under a temporary name, swapped in atomically, and an existing folder is replaced
 * only when it holds nothing saestitch did not write (issue 14: reports were written file by
 * file into any folder, mixing two runs and overwriting users' files). A hidden
 * {@value #MARKER} lists the files, so that a later report of another kind (other file names)
 * may replace this one, and a folder holding a file added since is refused.
 */
public final class ReportDir {

    public static final String MARKER = ".saestitch-report.json";

    private final Path dir;
    private final Map<String, byte[]> files = new LinkedHashMap<>();

    public ReportDir(Path dir) { this.dir = dir; }

    public Path dir() { return dir; }

    public void text(String name, String content) { bytes(name, content.getBytes(StandardCharsets.UTF_8)); }

    public void png(String name, XYChart chart) { bytes(name, Plots.png(chart)); }

    public void bytes(String name, byte[] content) { files.put(name, content); }

    public void json(String name, JsonReport report) { json(name, report.fields()); }

    public void json(String name, Map<String, Object> fields) { text(name, serialise(fields)); }

    /** Puts the report in place of the folder, whole (see the class comment). */
    public void commit() {
        Map<String, byte[]> all = new LinkedHashMap<>(files);
        all.put(MARKER, serialise(Map.of("written_by", "saestitch", "files", files.keySet())).getBytes(StandardCharsets.UTF_8));
        Set<String> previous = listedIn(dir);
        AtomicFiles.replaceDirectory(dir, p -> replaceable(p, previous), tmp -> {
            for (Map.Entry<String, byte[]> f : all.entrySet())
                AtomicFiles.writeDurably(tmp.resolve(f.getKey()), ch -> {
                    ByteBuffer b = ByteBuffer.wrap(f.getValue());
                    while (b.hasRemaining()) ch.write(b);
                });
        });
    }

    /**
     * What an existing report folder may hold for this report to replace it: the marker, files of
     * this report's names or of the names its marker lists, and report folders nested in it (the
     * demo's report holds one per step).
     */
    private boolean replaceable(Path entry, Set<String> previous) {
        String name = entry.getFileName().toString();
        if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) return name.equals(MARKER) || files.containsKey(name) || previous.contains(name);
        return Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && isReport(entry);
    }

    /**
     * A folder that a report commit wrote: its marker lists all its files; or one written before
     * markers existed: regular files with a summary.json among them.
     */
    private static boolean isReport(Path folder) {
        Set<String> listed = listedIn(folder);
        boolean marked = Files.isRegularFile(folder.resolve(MARKER), LinkOption.NOFOLLOW_LINKS);
        boolean legacySummary = !marked && Files.isRegularFile(folder.resolve("summary.json"), LinkOption.NOFOLLOW_LINKS);
        if (!marked && !legacySummary) return false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || (marked && !n.equals(MARKER) && !listed.contains(n))) return false;
            }
        } catch (IOException e) {
            return false;
        }
        return true;
    }

    /** The files the marker in {@code folder} lists (none when there is no readable marker). */
    private static Set<String> listedIn(Path folder) {
        Path marker = folder.resolve(MARKER);
        Set<String> names = new HashSet<>();
        if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) return names;
        try {
            JsonNode files = JsonReport.mapper().readTree(marker.toFile()).path("files");
            files.forEach(n -> { if (n.isTextual() && !n.textValue().contains("/")) names.add(n.textValue()); });
        } catch (IOException e) {
            throw new SaeFileException(marker, "not a saestitch report marker: " + e.getMessage(), e);
        }
        return names;
    }

    private String serialise(Map<String, Object> fields) {
        try {
            return JsonReport.mapper().writeValueAsString(fields) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a file of " + dir, e);
        }
    }
}
