package dev.saestitch.dict;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Latent families (SPEC §2): the bipartite graph with the S-latents on one side, the L-latents on
 * the other and an edge where the decoder cosine is strictly greater than θ; a family is a
 * connected component with at least one edge, so it has latents on both sides and can be swapped.
 * Components are found with union-find over the edges of {@link DictionaryComparison#pairs()}.
 *
 * <p>Following the SPEC literally, novel means m_i &lt; θ while an edge needs cos &gt; θ, so an
 * L-latent whose max cosine is exactly θ is a reconstruction latent with no edge: it is in
 * {@link #isolatedLarge()} but is not novel, and it belongs to no family.
 *
 * @param families      ordered by their smallest S-member
 * @param isolatedLarge L-latents without an edge, ascending (the novel ones, plus any with m_i = θ)
 * @param isolatedSmall S-latents without an edge, ascending
 */
public record Families(double threshold, List<Family> families, int[] isolatedLarge, int[] isolatedSmall) {

    /**
     * One connected component.
     * @param small       its S-latents, ascending
     * @param large       its L-latents, ascending
     * @param edges       its number of edges (pairs with cos &gt; θ)
     * @param meanCosine  mean float64 cosine over its edges
     * @param maxCosine   largest float64 cosine over its edges
     */
    public record Family(int[] small, int[] large, int edges, double meanCosine, double maxCosine) {}

    public static Families of(DictionaryComparison comparison) {
        int fl = comparison.largeLatents(), fs = comparison.smallLatents();
        double theta = comparison.threshold();
        CosinePairs pairs = comparison.pairs();
        // Nodes: S-latent j is j, L-latent i is fs + i.
        UnionFind sets = new UnionFind(fs + fl);
        boolean[] hasEdge = new boolean[fs + fl];
        for (int p = 0; p < pairs.size(); p++) {
            if (!(pairs.cosine()[p] > theta)) continue;
            int s = pairs.small()[p], l = fs + pairs.large()[p];
            sets.union(s, l);
            hasEdge[s] = hasEdge[l] = true;
        }
        // Number the components in order of their smallest S-member (every family has one).
        int[] familyOfRoot = new int[fs + fl];
        Arrays.fill(familyOfRoot, -1);
        int count = 0;
        for (int j = 0; j < fs; j++) if (hasEdge[j] && familyOfRoot[sets.find(j)] < 0) familyOfRoot[sets.find(j)] = count++;
        int[] smallSize = new int[count], largeSize = new int[count], edges = new int[count];
        double[] sum = new double[count], max = new double[count];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int v = 0; v < fs + fl; v++) {
            if (!hasEdge[v]) continue;
            int f = familyOfRoot[sets.find(v)];
            if (v < fs) smallSize[f]++;
            else largeSize[f]++;
        }
        for (int p = 0; p < pairs.size(); p++) {
            double c = pairs.cosine()[p];
            if (!(c > theta)) continue;
            int f = familyOfRoot[sets.find(pairs.small()[p])];
            edges[f]++;
            sum[f] += c;
            max[f] = Math.max(max[f], c);
        }
        int[][] small = new int[count][], large = new int[count][];
        for (int f = 0; f < count; f++) {
            small[f] = new int[smallSize[f]];
            large[f] = new int[largeSize[f]];
        }
        int[] fillSmall = new int[count], fillLarge = new int[count];
        for (int v = 0; v < fs + fl; v++) {   // ascending node order keeps members sorted
            if (!hasEdge[v]) continue;
            int f = familyOfRoot[sets.find(v)];
            if (v < fs) small[f][fillSmall[f]++] = v;
            else large[f][fillLarge[f]++] = v - fs;
        }
        List<Family> families = new ArrayList<>(count);
        for (int f = 0; f < count; f++) families.add(new Family(small[f], large[f], edges[f], sum[f] / edges[f], max[f]));
        return new Families(theta, List.copyOf(families), isolated(hasEdge, fs, fl), isolated(hasEdge, 0, fs));
    }

    private static int[] isolated(boolean[] hasEdge, int from, int count) {
        return IntStream.range(0, count).filter(i -> !hasEdge[from + i]).toArray();
    }
}
