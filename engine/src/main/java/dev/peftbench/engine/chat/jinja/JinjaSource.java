package dev.peftbench.engine.chat.jinja;

import java.util.regex.Pattern;

/**
 * Applies jinja2's lexer rules for whitespace to a template's text, so that Jinjava parses a source
 * without comments or whitespace modifiers whose output is exactly jinja2's: newlines normalised to
 * {@code \n}; one trailing newline dropped ({@code keep_trailing_newline=False}); {@code -} after a
 * tag opening ({@code {%-}, {@code {{-}, {@code {#-}) strips all white space before it and before a
 * closing ({@code -%}}, ...) all after it; with {@code trim_blocks} the newline right after a block or
 * comment tag goes; with {@code lstrip_blocks} spaces and tabs between a line's start and a block or
 * comment tag go, unless the tag opens with {@code {%+} ({@code +%}} keeps the newline); comments are
 * removed. Jinjava's own {@code lstrip_blocks} strips spaces before any block tag, also after other
 * text on the same line ({@code "{{ x }} {% endif %}"} would lose its space), and it misses some
 * comment modifiers, so none of its whitespace handling is used.
 */
final class JinjaSource {

    private static final Pattern RAW = Pattern.compile("\\{%\\s*raw\\s*%}");
    private static final Pattern END_RAW = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}");

    private JinjaSource() {
    }

    static String prepare(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int textStart = 0;
        boolean lineStart = true;
        while (i < s.length()) {
            int open = nextTag(s, i);
            if (open < 0) {
                out.append(s, i, s.length());
                break;
            }
            out.append(s, i, open);
            char kind = s.charAt(open + 1);
            boolean block = kind == '%' || kind == '#';
            char before = open + 2 < s.length() ? s.charAt(open + 2) : 0;
            if (before == '-') {
                stripTrailingWhitespace(out);
            } else if (block && before != '+') {
                lstrip(out, textStart, lineStart);
            }
            int close = closeOf(s, open, kind);
            if (close < 0) {
                out.append(s, open, s.length());
                break;
            }
            char after = close - 3 > open + 2 ? s.charAt(close - 3) : 0;
            if (kind != '#') {
                int from = open + 2 + (before == '-' || (block && before == '+') ? 1 : 0);
                int to = close - 2 - (after == '-' || (block && after == '+') ? 1 : 0);
                String tag = s.substring(open, open + 2) + s.substring(from, to) + s.substring(close - 2, close);
                out.append(tag);
                if (kind == '%' && RAW.matcher(tag).matches()) {
                    var end = END_RAW.matcher(s);
                    if (end.find(close)) {
                        out.append(s, close, end.start());
                        i = end.start();
                        textStart = out.length();
                        lineStart = false;
                        continue;
                    }
                }
            }
            i = close;
            lineStart = false;
            if (after == '-') {
                while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
            } else if (block && after != '+' && i < s.length() && s.charAt(i) == '\n') {
                i++;
                lineStart = true;
            }
            textStart = out.length();
        }
        return out.toString();
    }

    private static void stripTrailingWhitespace(StringBuilder out) {
        int end = out.length();
        while (end > 0 && Character.isWhitespace(out.charAt(end - 1))) {
            end--;
        }
        out.setLength(end);
    }

    /** Drops the spaces and tabs before a block tag when only they stand between a line's start and it. */
    private static void lstrip(StringBuilder out, int textStart, boolean lineStart) {
        int newline = out.lastIndexOf("\n");
        if (newline < textStart && !lineStart) {
            return;
        }
        int from = newline >= textStart ? newline + 1 : textStart;
        for (int j = from; j < out.length(); j++) {
            if (!Character.isWhitespace(out.charAt(j))) {
                return;
            }
        }
        out.setLength(from);
    }

    private static int nextTag(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** The index just after the tag opened at {@code open}, string literals skipped; -1 if never closed. */
    private static int closeOf(String s, int open, char kind) {
        if (kind == '#') {
            int end = s.indexOf("#}", open + 2);
            return end < 0 ? -1 : end + 2;
        }
        char closing = kind == '{' ? '}' : '%';
        for (int i = open + 2; i + 1 < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfString(s, i);
            } else if (c == closing && s.charAt(i + 1) == '}') {
                return i + 2;
            }
        }
        return -1;
    }

    /** The index of the quote closing the string literal opened at {@code quoteAt} (backslash escapes skipped). */
    static int endOfString(String s, int quoteAt) {
        char quote = s.charAt(quoteAt);
        for (int i = quoteAt + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        return s.length();
    }
}
