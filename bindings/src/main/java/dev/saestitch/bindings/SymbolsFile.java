package dev.saestitch.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One jextract argument file ({@code bindings/src/main/jextract/NAME.symbols}, also on the class
 * path under {@value #RESOURCE_FOLDER}): one {@code OPTION VALUE} per line, {@code #} comments.
 * It names the header class ({@code --target-package}, {@code --header-class-name}), the library
 * it binds ({@code --library}) and the functions and constants it holds ({@code --include-function},
 * {@code --include-constant}); the loader checks those functions resolve, and a test checks every
 * file against its library and its header class.
 */
public record SymbolsFile(String name, String library, String headerClass, List<String> functions, List<String> constants) {

    public static final String RESOURCE_FOLDER = "dev/saestitch/bindings/jextract/";

    /** Reads {@code NAME.symbols} from the class path. */
    public static SymbolsFile resource(String name) {
        String resource = RESOURCE_FOLDER + name + ".symbols";
        try (InputStream in = SymbolsFile.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("resource " + resource + " is not on the class path");
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    public static SymbolsFile read(Path file) throws IOException {
        return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** @param source names the file in error messages; its base name (without .symbols) becomes {@link #name} */
    public static SymbolsFile parse(String source, List<String> lines) {
        String library = null, targetPackage = null, headerClassName = null;
        List<String> functions = new ArrayList<>(), constants = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] words = line.split("\\s+");
            if (words.length != 2) throw new IllegalArgumentException(source + ":" + (i + 1) + ": expected 'OPTION VALUE', got '" + line + "'");
            switch (words[0]) {
                case "--include-function" -> functions.add(words[1]);
                case "--include-constant" -> constants.add(words[1]);
                case "--library", "-l" -> library = words[1];
                case "--target-package", "-t" -> targetPackage = words[1];
                case "--header-class-name" -> headerClassName = words[1];
                default -> { }  // other jextract options matter only to jextract
            }
        }
        if (library == null) throw new IllegalArgumentException(source + ": no --library line says which library these symbols are in");
        if (targetPackage == null || headerClassName == null)
            throw new IllegalArgumentException(source + ": --target-package and --header-class-name must name the header class");
        String base = Path.of(source).getFileName().toString();
        return new SymbolsFile(base.endsWith(".symbols") ? base.substring(0, base.length() - ".symbols".length()) : base,
                library, targetPackage + "." + headerClassName, List.copyOf(functions), List.copyOf(constants));
    }
}
