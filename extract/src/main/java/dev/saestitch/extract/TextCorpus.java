package dev.saestitch.extract;

import dev.saestitch.input.InputException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;

/**
 * Documents to extract activations from: one per non-blank line of the given text files (a
 * {@code .gz} file is read through gunzip), the samples of the Brown corpus (see
 * {@link BrownCorpus}), or the body column of the bundled Europarl lines
 * ({@code title TAB date TAB body}). Read lazily, in order.
 */
public final class TextCorpus {

    /** Opens one source's bytes. */
    private interface Opener { InputStream open() throws IOException; }

    /** A named source of documents, opened anew for every pass. */
    private record Source(String name, Supplier<Stream<String>> documents) {}

    /** The corpora that come with the build, for {@code --corpus}. */
    public enum Bundled {
        BROWN, EUROPARL;

        public TextCorpus open() { return this == BROWN ? brown() : europarl(); }

        /** Its --corpus name, e.g. "brown". */
        public String cliName() { return name().toLowerCase(java.util.Locale.ROOT); }

        /** The one named {@code name} ("brown" or "europarl"). */
        public static Bundled parse(String name) {
            for (Bundled b : values()) if (b.cliName().equals(name)) return b;
            throw new InputException("--corpus must be brown or europarl, not '" + name + "'");
        }
    }

    private final List<Source> sources;

    private TextCorpus(List<Source> sources) { this.sources = sources; }

    /** Every non-blank line of every file is a document; a missing or unreadable file is named in the error. */
    public static TextCorpus ofFiles(List<Path> files) {
        if (files.isEmpty()) throw new InputException("no text files given");
        for (Path f : files) {
            if (Files.isDirectory(f)) throw new InputException(f + ": a directory, not a text file");
            if (!Files.isRegularFile(f)) throw new InputException(f + ": no such text file");
            if (!Files.isReadable(f)) throw new InputException(f + ": not readable");
        }
        return new TextCorpus(files.stream().map(f -> lineSource(f.toString(), () -> Files.newInputStream(f), f.toString().endsWith(".gz"), Function.identity())).toList());
    }

    /** The Europarl lines bundled with the build (see {@link BundledAssets}). */
    public static TextCorpus europarl() {
        return new TextCorpus(List.of(lineSource(BundledAssets.EUROPARL.describe(), BundledAssets.EUROPARL::open, true, TextCorpus::lastColumn)));
    }

    /** The Brown corpus fetched by the build with npm, one document per sample; an error naming what is missing when it was not fetched. */
    public static TextCorpus brown() {
        BrownCorpus brown = BrownCorpus.bundled();
        return new TextCorpus(List.of(new Source(brown.describe(), brown::documents)));
    }

    /** Where the documents come from, for the sidecar. */
    public List<String> sourceNames() { return sources.stream().map(Source::name).toList(); }

    /** The documents, lazily; close the stream to close the files. */
    public Stream<String> documents() {
        return sources.stream().flatMap(s -> s.documents().get()).filter(document -> !document.isBlank());
    }

    /** A source whose documents are its lines, each mapped by {@code document}. */
    private static Source lineSource(String name, Opener opener, boolean gzip, Function<String, String> document) {
        return new Source(name, () -> lines(name, opener, gzip).map(document));
    }

    private static Stream<String> lines(String name, Opener opener, boolean gzip) {
        BufferedReader reader;
        try {
            InputStream raw = opener.open();
            InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            // A decoder that reports bad bytes: InputStreamReader(in, UTF_8) would replace them silently.
            reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()), 1 << 16);
        } catch (IOException e) {
            throw unreadable(name, e);
        }
        Iterator<String> lines = new Iterator<>() {
            private String next = read();

            private String read() {
                try {
                    return reader.readLine();
                } catch (IOException e) {
                    throw unreadable(name, e);
                }
            }

            @Override public boolean hasNext() { return next != null; }

            @Override public String next() {
                if (next == null) throw new NoSuchElementException();
                String line = next;
                next = read();
                return line;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(lines, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(() -> {
                    try {
                        reader.close();
                    } catch (IOException e) {
                        throw unreadable(name, e);
                    }
                });
    }

    /** The error for a source that cannot be read to the end, naming it. */
    private static UncheckedIOException unreadable(String source, IOException e) {
        String why = e instanceof CharacterCodingException ? "not UTF-8 text" : "cannot read";
        return new UncheckedIOException(new IOException(source + ": " + why + " (" + e + ")", e));
    }

    private static String lastColumn(String line) { return line.substring(line.lastIndexOf('\t') + 1); }
}
