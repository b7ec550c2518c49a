package dev.saestitch.dict;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Independent float64 references for the tests (cosines: {@link dev.saestitch.testkit.Vectors}): plain
 * loops for the maxima, a breadth-first search for the components. Shares no code with the package.
 */
final class Reference {

    private Reference() {}

    static double rowMax(double[] row) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : row) m = Math.max(m, v);
        return m;
    }

    /** The families of the bipartite graph with edges cos[l][s] > theta, as "S:[..] L:[..]" keys sorted by smallest S. */
    static List<String> familyKeys(double[][] cos, double theta) {
        int fl = cos.length, fs = cos[0].length;
        int[] component = new int[fs + fl];
        Arrays.fill(component, -1);
        List<String> keys = new ArrayList<>();
        for (int start = 0; start < fs; start++) {
            if (component[start] >= 0 || !hasEdge(cos, theta, start, true)) continue;
            List<Integer> small = new ArrayList<>(), large = new ArrayList<>();
            ArrayDeque<Integer> queue = new ArrayDeque<>();
            queue.add(start);
            component[start] = start;
            while (!queue.isEmpty()) {
                int v = queue.poll();
                if (v < fs) {
                    small.add(v);
                    for (int l = 0; l < fl; l++) if (cos[l][v] > theta && component[fs + l] < 0) { component[fs + l] = start; queue.add(fs + l); }
                } else {
                    large.add(v - fs);
                    for (int s = 0; s < fs; s++) if (cos[v - fs][s] > theta && component[s] < 0) { component[s] = start; queue.add(s); }
                }
            }
            small.sort(null);
            large.sort(null);
            keys.add("S:" + small + " L:" + large);
        }
        return keys;
    }

    static boolean hasEdge(double[][] cos, double theta, int index, boolean small) {
        if (small) {
            for (double[] row : cos) if (row[index] > theta) return true;
            return false;
        }
        for (double v : cos[index]) if (v > theta) return true;
        return false;
    }
}
