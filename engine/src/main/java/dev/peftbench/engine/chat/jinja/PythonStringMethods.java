package dev.peftbench.engine.chat.jinja;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code str} methods that chat templates call ({@code content.strip()},
 * {@code role.startswith('tool')}, {@code text.split('</think>')[-1]}, ...), which Jinjava would
 * otherwise look up as Java methods of {@link String} (where they are missing or differ: Java's
 * {@code split} takes a regex and drops trailing empty strings). Only method calls on strings are
 * handled; everything else falls through to Jinjava's own resolvers.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        switch (method.toString()) {
            case "strip" -> result = strip(s, arg(args, 0), true, true);
            case "lstrip" -> result = strip(s, arg(args, 0), true, false);
            case "rstrip" -> result = strip(s, arg(args, 0), false, true);
            case "startswith" -> result = affix(s, args, true);
            case "endswith" -> result = affix(s, args, false);
            case "split" -> result = split(s, arg(args, 0), maxSplit(args), false);
            case "rsplit" -> result = split(s, arg(args, 0), maxSplit(args), true);
            case "splitlines" -> result = new ArrayList<Object>(splitLines(s));
            case "upper" -> result = s.toUpperCase(Locale.ROOT);
            case "lower" -> result = s.toLowerCase(Locale.ROOT);
            case "title" -> result = title(s);
            case "capitalize" -> result = s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> result = replace(s, text(args, 0), text(args, 1),
                    args.length > 2 ? ((Number) args[2]).intValue() : -1);
            case "find" -> result = (long) s.indexOf(text(args, 0));
            case "rfind" -> result = (long) s.lastIndexOf(text(args, 0));
            case "count" -> result = count(s, text(args, 0));
            case "join" -> result = join(s, args.length > 0 ? args[0] : null);
            case "isdigit" -> result = !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha" -> result = !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isspace" -> result = !s.isEmpty() && s.chars().allMatch(PythonStringMethods::isSpace);
            case "islower" -> result = s.chars().anyMatch(Character::isLowerCase) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper" -> result = s.chars().anyMatch(Character::isUpperCase) && s.equals(s.toUpperCase(Locale.ROOT));
            default -> {
                return null;
            }
        }
        context.setPropertyResolved(true);
        return result;
    }

    /** {@code str.splitlines()}: lines without their line boundaries (Python's set of boundaries). */
    static List<String> splitLines(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85
                    || c == 0x2028 || c == 0x2029) {
                lines.add(s.substring(start, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    /** {@code str.isspace()} for one character: Unicode white space and the separators Python counts. */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    /** {@code str.strip([chars])}: white space, or the characters of {@code chars}. */
    static String strip(String s, Object chars, boolean left, boolean right) {
        String set = chars == null ? null : chars.toString();
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.charAt(start), set)) {
            start++;
        }
        while (right && end > start && stripped(s.charAt(end - 1), set)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String set) {
        return set == null ? isSpace(c) : set.indexOf(c) >= 0;
    }

    private static boolean affix(String s, Object[] args, boolean prefix) {
        Object what = arg(args, 0);
        Collection<?> options = what instanceof Collection<?> c ? c : List.of(String.valueOf(what));
        for (Object o : options) {
            String a = String.valueOf(o);
            if (prefix ? s.startsWith(a) : s.endsWith(a)) {
                return true;
            }
        }
        return false;
    }

    private static int maxSplit(Object[] args) {
        return args.length > 1 ? ((Number) args[1]).intValue() : -1;
    }

    /** {@code str.split(sep=None, maxsplit=-1)} and {@code rsplit}. */
    static List<Object> split(String s, Object separator, int maxSplit, boolean fromRight) {
        List<Object> parts = new ArrayList<>();
        if (separator == null) {
            return splitWhitespace(s, maxSplit, fromRight);
        }
        String sep = separator.toString();
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        if (!fromRight) {
            int from = 0;
            int at;
            while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
                parts.add(s.substring(from, at));
                from = at + sep.length();
            }
            parts.add(s.substring(from));
            return parts;
        }
        int to = s.length();
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.lastIndexOf(sep, to - sep.length())) >= 0) {
            parts.add(0, s.substring(at + sep.length(), to));
            to = at;
        }
        parts.add(0, s.substring(0, to));
        return parts;
    }

    /** Python's {@code split()} without a separator: runs of white space separate, none at the ends. */
    private static List<Object> splitWhitespace(String s, int maxSplit, boolean fromRight) {
        List<Object> parts = new ArrayList<>();
        String rest = strip(s, null, !fromRight, fromRight);
        while (!rest.isEmpty() && (maxSplit < 0 || parts.size() < maxSplit)) {
            int i = fromRight ? rest.length() - 1 : 0;
            while (i >= 0 && i < rest.length() && !isSpace(rest.charAt(i))) {
                i += fromRight ? -1 : 1;
            }
            if (i < 0 || i == rest.length()) {
                break;
            }
            if (fromRight) {
                parts.add(0, rest.substring(i + 1));
                rest = strip(rest.substring(0, i), null, false, true);
            } else {
                parts.add(rest.substring(0, i));
                rest = strip(rest.substring(i), null, true, false);
            }
        }
        String last = strip(rest, null, true, true);
        if (!last.isEmpty()) {
            if (fromRight) {
                parts.add(0, rest);
            } else {
                parts.add(rest);
            }
        }
        return parts;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        int at;
        for (int n = 0; n < count && (at = s.indexOf(old, from)) >= 0; n++) {
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            if (old.isEmpty()) {
                if (from < s.length()) {
                    out.append(s.charAt(from));
                }
                from++;
            }
        }
        return from > s.length() ? out.toString() : out.append(s.substring(from)).toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Object items) {
        if (!(items instanceof Iterable<?> iterable)) {
            throw new IllegalArgumentException("can only join an iterable");
        }
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : iterable) {
            if (!(item instanceof CharSequence)) {
                throw new IllegalArgumentException("sequence item: expected str instance, "
                        + (item == null ? "NoneType" : item.getClass().getSimpleName()) + " found");
            }
            if (!first) {
                out.append(separator);
            }
            first = false;
            out.append(item);
        }
        return out.toString();
    }

    private static Object arg(Object[] args, int i) {
        return i < args.length ? args[i] : null;
    }

    private static String text(Object[] args, int i) {
        if (i >= args.length || args[i] == null) {
            throw new IllegalArgumentException("missing string argument " + (i + 1));
        }
        return args[i].toString();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // read-only: property writes belong to the resolvers after this one
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
