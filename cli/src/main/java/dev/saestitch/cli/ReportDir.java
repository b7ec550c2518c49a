package dev.saestitch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.saestitch.io.AtomicFiles;
import org.knowm.xchart.XYChart;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A folder of report files (summary.json, CSV tables, PNG plots), each written atomically. */
record ReportDir(Path dir) {

    void text(String name, String content) {
        bytes(name, content.getBytes(StandardCharsets.UTF_8));
    }

    void png(String name, XYChart chart) {
        bytes(name, Plots.png(chart));
    }

    private void bytes(String name, byte[] bytes) {
        AtomicFiles.write(dir.resolve(name), ch -> {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    void json(String name, JsonReport report) {
        try {
            text(name, JsonReport.mapper().writeValueAsString(report.fields()) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the report", e);
        }
    }
}
