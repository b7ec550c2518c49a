package dev.saestitch.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.saestitch.io.AtomicFiles;
import org.knowm.xchart.XYChart;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** A folder of report files (summary.json, CSV tables, PNG plots), each written atomically: the one writer every report uses. */
public record ReportDir(Path dir) {

    public void text(String name, String content) {
        AtomicFiles.write(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8));
    }

    public void png(String name, XYChart chart) {
        AtomicFiles.write(dir.resolve(name), Plots.png(chart));
    }

    public void json(String name, JsonReport report) { json(name, report.fields()); }

    public void json(String name, Map<String, Object> fields) {
        try {
            text(name, JsonReport.mapper().writeValueAsString(fields) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + dir.resolve(name), e);
        }
    }
}
