package dev.saestitch.extract;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Documents to extract activations from, one per non-blank line: each line of the given text
 * files (a {@code .gz} file is read through gunzip), or the body column of the bundled Europarl
 * lines ({@code title TAB date TAB body}). Read lazily, in file order.
 */
public final class TextCorpus {

    /** Opens one source's bytes. */
    private interface Opener { InputStream open() throws IOException; }

    private record Source(String name, Opener opener, boolean gzip, Function<String, String> document) {}

    private final List<Source> sources;

    private TextCorpus(List<Source> sources) { this.sources = sources; }

    /** Every non-blank line of every file is a document; a missing or unreadable file is named in the error. */
    public static TextCorpus ofFiles(List<Path> files) {
        if (files.isEmpty()) throw new IllegalArgumentException("no text files given");
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new IllegalArgumentException(f + ": no such text file");
            if (!Files.isReadable(f)) throw new IllegalArgumentException(f + ": not readable");
        }
        return new TextCorpus(files.stream().map(f -> new Source(f.toString(), () -> Files.newInputStream(f), f.toString().endsWith(".gz"), Function.identity())).toList());
    }

    /** The Europarl lines bundled with the build (see {@link BundledAssets}). */
    public static TextCorpus europarl() {
        return new TextCorpus(List.of(new Source(BundledAssets.EUROPARL.describe(), BundledAssets.EUROPARL::open, true, TextCorpus::lastColumn)));
    }

    /** Where the documents come from, for the sidecar. */
    public List<String> sourceNames() { return sources.stream().map(Source::name).toList(); }

    /** The documents, lazily; close the stream to close the files. */
    public Stream<String> documents() {
        return sources.stream().flatMap(TextCorpus::lines).filter(line -> !line.isBlank());
    }

    private static Stream<String> lines(Source source) {
        try {
            InputStream raw = source.opener().open();
            InputStream in = source.gzip() ? new GZIPInputStream(raw, 1 << 16) : raw;
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
            return reader.lines().map(source.document()).onClose(() -> {
                try {
                    reader.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(source.name() + ": " + e.getMessage(), e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(source.name() + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static String lastColumn(String line) { return line.substring(line.lastIndexOf('\t') + 1); }
}
