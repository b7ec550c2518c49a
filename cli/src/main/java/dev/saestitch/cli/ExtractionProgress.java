package dev.saestitch.cli;

import dev.saestitch.extract.Extraction;

import java.io.PrintWriter;
import java.util.List;

/** An extraction's lines on stderr: what runs over what, then a progress line once the number of rows is known. */
final class ExtractionProgress implements Extraction.Listener {

    private final PrintWriter err;
    private final String label, model;
    private final List<String> sources;
    private Progress progress;

    ExtractionProgress(PrintWriter err, String label, String model, List<String> sources) {
        this.err = err;
        this.label = label;
        this.model = model;
        this.sources = sources;
    }

    @Override public void opened(List<String> tensors) {
        err.println(label + ": " + model + ", " + String.join(", ", tensors) + ", from " + String.join(", ", sources));
        err.println(label + ": counting the text's tokens");
    }

    @Override public void counted(long rows) { progress = new Progress(err, label, rows, "tok"); }

    @Override public void written(long rows) { progress.status(rows, ""); }

    void done() { progress.done(); }
}
