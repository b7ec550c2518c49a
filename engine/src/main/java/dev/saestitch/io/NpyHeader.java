package dev.saestitch.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a .npy file: a Python dict literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (1000, 64), }}.
 * The parser accepts the subset numpy writes (strings, booleans, integers and tuples of integers)
 * and throws {@link IllegalArgumentException} on anything else.
 */
record NpyHeader(String descr, boolean fortranOrder, long[] shape) {

    static NpyHeader parse(String text) {
        Map<String, Object> dict = new Parser(text).dict();
        Object descr = dict.get("descr"), fortran = dict.get("fortran_order"), shape = dict.get("shape");
        if (!(descr instanceof String d)) throw new IllegalArgumentException("header has no 'descr' string");
        if (!(fortran instanceof Boolean f)) throw new IllegalArgumentException("header has no 'fortran_order' boolean");
        if (!(shape instanceof long[] s)) throw new IllegalArgumentException("header has no 'shape' tuple");
        return new NpyHeader(d, f, s);
    }

    /** The header text numpy would write for a C-order array, without its padding. */
    String format() {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': ")
                .append(fortranOrder ? "True" : "False").append(", 'shape': (");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        if (shape.length == 1) sb.append(',');
        return sb.append("), }").toString();
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) { this.s = s; }

        Map<String, Object> dict() {
            expect('{');
            Map<String, Object> out = new LinkedHashMap<>();
            while (!peekIs('}')) {
                String key = string();
                expect(':');
                if (out.put(key, value()) != null) throw error("repeated key '" + key + "'");
                if (!peekIs('}')) expect(',');
            }
            expect('}');
            skipSpace();
            if (pos != s.length()) throw error("text after the closing brace");
            return out;
        }

        private Object value() {
            skipSpace();
            if (pos >= s.length()) throw error("unexpected end");
            char c = s.charAt(pos);
            if (c == '\'' || c == '"') return string();
            if (c == '(') return tuple();
            if (s.startsWith("True", pos)) { pos += 4; return Boolean.TRUE; }
            if (s.startsWith("False", pos)) { pos += 5; return Boolean.FALSE; }
            return integer();
        }

        private long[] tuple() {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (!peekIs(')')) {
                dims.add(integer());
                if (!peekIs(')')) expect(',');
            }
            expect(')');
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private long integer() {
            skipSpace();
            int start = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            // numpy 1.x wrote Python 2 longs as "1000L"
            String digits = s.substring(start, pos);
            if (pos < s.length() && s.charAt(pos) == 'L') pos++;
            if (digits.isEmpty()) throw error("expected a non-negative integer");
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("integer " + digits + " is too large");
            }
        }

        private String string() {
            skipSpace();
            if (pos >= s.length()) throw error("unexpected end");
            char quote = s.charAt(pos);
            if (quote != '\'' && quote != '"') throw error("expected a quoted string");
            int end = s.indexOf(quote, pos + 1);
            if (end < 0) throw error("unterminated string");
            String out = s.substring(pos + 1, end);
            pos = end + 1;
            return out;
        }

        private boolean peekIs(char c) {
            skipSpace();
            return pos < s.length() && s.charAt(pos) == c;
        }

        private void expect(char c) {
            if (!peekIs(c)) throw error("expected '" + c + "'");
            pos++;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("header is not a numpy dict literal (" + what + " at character " + pos + ")");
        }
    }
}
