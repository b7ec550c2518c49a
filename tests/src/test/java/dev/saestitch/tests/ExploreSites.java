package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.data.ProvenanceWriter;
import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.sae.Architecture;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.TreeMap;

/** Inputs of the explorer tests: the planted pair, rows with made-up token provenance (hostile strings included), and the site's data. */
final class ExploreSites {

    /** Token ids 0..VOCAB-1; id 3 is a script tag, id 1 a quote-and-ampersand string: both must stay text. */
    static final int VOCAB = 4, WINDOW = 24;
    static final String SCRIPT_TOKEN = "<script>alert(1)</script>";

    private ExploreSites() {}

    static void writePair(Path small, Path large) {
        PlantedSaes.writeSmall(small);
        PlantedSaes.writeLarge(large, Architecture.JUMPRELU);
    }

    /**
     * The planted world's first {@code rows} rows with their provenance: documents of two windows
     * of WINDOW tokens each, positions restarting at 0 in the second window.
     */
    static void writeRowsWithProvenance(Path acts, int rows) {
        int[] triples = new int[rows * 3];
        for (int r = 0; r < rows; r++) {
            triples[3 * r] = r / (2 * WINDOW);
            triples[3 * r + 1] = r % WINDOW;
            triples[3 * r + 2] = (r * 7 + r / 5) % VOCAB;
        }
        SortedMap<Integer, String> vocab = new TreeMap<>();
        for (int id = 0; id < VOCAB; id++) vocab.put(id, id == 3 ? SCRIPT_TOKEN : id == 1 ? "\"&amp;'" : "tok" + id);
        try (SyntheticWorld w = new SyntheticWorld(PlantedSaes.world()); Arena arena = Arena.ofConfined();
             Npy.Writer values = Npy.writer(acts, rows, PlantedSaes.D, DType.F32);
             ProvenanceWriter provenance = new ProvenanceWriter(acts, rows)) {
            Matrix x = Matrix.allocate(arena, rows, PlantedSaes.D);
            w.writeRows(0, x);
            values.append(x);
            provenance.append(triples, rows);
            provenance.commitWith(values, vocab);
        }
    }

    /** The object data.js assigns. */
    static JsonNode data(Path site) {
        try {
            String js = Files.readString(site.resolve("data.js"));
            String prefix = "window.SAESTITCH_EXPLORE = ";
            if (!js.startsWith(prefix) || !js.endsWith(";\n")) throw new AssertionError("data.js is not one assignment: " + js.substring(0, Math.min(80, js.length())));
            return new ObjectMapper().readTree(js.substring(prefix.length(), js.length() - 2));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
