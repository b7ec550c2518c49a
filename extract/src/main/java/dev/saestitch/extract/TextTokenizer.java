package dev.saestitch.extract;

import dev.saestitch.input.InputException;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Hugging Face {@code tokenizer.json}, run by the tokenizers library through DJL's bindings
 * (their native part ships inside the Maven jar). Padding and truncation are ours to do, so the
 * file's own settings are switched off; the special tokens the tokenizer adds around a text are
 * found once, by encoding a probe with and without them.
 */
public final class TextTokenizer implements AutoCloseable {

    private static final Map<String, String> NO_PADDING_NO_TRUNCATION = Map.of("padding", "false", "truncation", "false");
    private static final String PROBE = "a";

    private final HuggingFaceTokenizer tokenizer;
    private final int[] prefix, suffix;
    private final Map<Integer, String> specialTokens = new TreeMap<>();

    /** A text's token ids and the tokenizer's string for each (e.g. {@code ##ing}). */
    public record Tokens(int[] ids, String[] strings) {}

    private TextTokenizer(HuggingFaceTokenizer tokenizer, String source) {
        this.tokenizer = tokenizer;
        int[] bare = ids(PROBE);
        Encoding framedEncoding = tokenizer.encode(PROBE, true, false);
        int[] framed = toInts(framedEncoding);
        int at = indexOf(framed, bare);
        if (bare.length == 0 || at < 0) throw new InputException(source + ": cannot tell the special tokens apart (encoding '" + PROBE + "' gave "
                + Arrays.toString(bare) + " alone and " + Arrays.toString(framed) + " with them)");
        this.prefix = Arrays.copyOfRange(framed, 0, at);
        this.suffix = Arrays.copyOfRange(framed, at + bare.length, framed.length);
        String[] strings = framedEncoding.getTokens();
        for (int i = 0; i < framed.length; i++) if (i < at || i >= at + bare.length) specialTokens.put(framed[i], strings[i]);
    }

    /** Reads a tokenizer.json; {@code source} names it in messages. */
    public static TextTokenizer read(InputStream tokenizerJson, String source) throws IOException {
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, NO_PADDING_NO_TRUNCATION), source);
        } catch (RuntimeException e) {
            throw new IOException(source + ": not a tokenizer.json the tokenizers library can read (" + e.getMessage() + ")", e);
        }
    }

    /** The ids of {@code text}, without special tokens. */
    public int[] ids(String text) { return toInts(tokenizer.encode(text, false, false)); }

    /** The ids of {@code text} with their strings, without special tokens. */
    public Tokens tokens(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        return new Tokens(toInts(encoding), encoding.getTokens());
    }

    /** The strings of the special tokens around every window, by id. */
    public Map<Integer, String> specialTokens() { return Map.copyOf(specialTokens); }

    /** Special tokens put before every window (e.g. [CLS]). */
    public int[] prefix() { return prefix.clone(); }

    /** Special tokens put after every window (e.g. [SEP]). */
    public int[] suffix() { return suffix.clone(); }

    @Override
    public void close() { tokenizer.close(); }

    private static int[] toInts(Encoding encoding) {
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    private static int indexOf(int[] haystack, int[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) return i;
        }
        return -1;
    }
}
