package dev.saestitch.tests;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No package cycles among saestitch's packages (README: each engine package depends only on those
 * listed before it): jdeps reads the compiled classes of engine, extract and cli, and the strongly
 * connected components of the package graph (Tarjan) must all be single packages.
 */
class PackageCyclesTest {

    private static final Pattern EDGE = Pattern.compile("^\\s+(dev\\.saestitch\\.[\\w.]+)\\s+->\\s+(dev\\.saestitch\\.[\\w.]+)\\s");

    @Test void noPackageDependsOnItselfThroughOthers() {
        Map<String, Set<String>> graph = packageGraph();
        assertTrue(graph.containsKey("dev.saestitch.api") && graph.containsKey("dev.saestitch.cli"), "jdeps saw the modules: " + graph.keySet());
        List<Set<String>> cycles = new ArrayList<>();
        for (Set<String> component : new Tarjan(graph).components()) if (component.size() > 1) cycles.add(component);
        StringBuilder why = new StringBuilder();
        for (Set<String> c : cycles)
            for (String p : c) why.append('\n').append(p).append(" -> ").append(graph.get(p).stream().filter(c::contains).toList());
        assertEquals(List.of(), cycles, "package cycles:" + why);
    }

    @Test void aCycleIsFound() {   // the check itself can fail
        Map<String, Set<String>> graph = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a")));
        assertEquals(List.of(Set.of("a", "b", "c")), new Tarjan(graph).components().stream().filter(s -> s.size() > 1).toList());
    }

    private static Map<String, Set<String>> packageGraph() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("this JDK has no jdeps"));
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String module : List.of("engine", "extract", "cli")) {
            Path classes = Path.of("..", module, "target", "classes");
            assertTrue(Files.isDirectory(classes), classes + " not built");
            StringWriter out = new StringWriter();
            int code = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:package", "-filter:none", "-e", "dev\\.saestitch\\..*", classes.toString());
            assertEquals(0, code, "jdeps on " + classes + ":\n" + out);
            for (String line : out.toString().lines().toList()) {
                Matcher m = EDGE.matcher(line);
                if (!m.find()) continue;
                graph.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                graph.computeIfAbsent(m.group(2), k -> new TreeSet<>());
                if (!m.group(1).equals(m.group(2))) graph.get(m.group(1)).add(m.group(2));
            }
        }
        return graph;
    }

    /** Strongly connected components, iteratively (no recursion limit to think about). */
    private record Tarjan(Map<String, Set<String>> graph) {
        List<Set<String>> components() {
            Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
            Deque<String> stack = new ArrayDeque<>();
            Set<String> onStack = new TreeSet<>();
            List<Set<String>> out = new ArrayList<>();
            for (String root : graph.keySet()) {
                if (index.containsKey(root)) continue;
                Deque<Map.Entry<String, java.util.Iterator<String>>> work = new ArrayDeque<>();
                visit(root, index, low, stack, onStack, work);
                while (!work.isEmpty()) {
                    var top = work.peek();
                    String v = top.getKey();
                    if (top.getValue().hasNext()) {
                        String w = top.getValue().next();
                        if (!index.containsKey(w)) visit(w, index, low, stack, onStack, work);
                        else if (onStack.contains(w)) low.put(v, Math.min(low.get(v), index.get(w)));
                        continue;
                    }
                    work.pop();
                    if (!work.isEmpty()) low.put(work.peek().getKey(), Math.min(low.get(work.peek().getKey()), low.get(v)));
                    if (low.get(v).equals(index.get(v))) {
                        Set<String> component = new TreeSet<>();
                        String w;
                        do {
                            w = stack.pop();
                            onStack.remove(w);
                            component.add(w);
                        } while (!w.equals(v));
                        out.add(component);
                    }
                }
            }
            return out;
        }

        private void visit(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                           Deque<Map.Entry<String, java.util.Iterator<String>>> work) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.push(v);
            onStack.add(v);
            work.push(Map.entry(v, graph.getOrDefault(v, Set.of()).iterator()));
        }
    }
}
