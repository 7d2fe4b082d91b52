package dev.peftbench.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link DocsLinksAndCommandsTest} checks in Markdown pages: relative links (a file that exists, and for
 * {@code #anchor} a heading with that GitHub slug) and {@code ./peftbench ...} lines in shell code blocks (they
 * parse with the real command line). Each problem is one line naming the page and line.
 */
final class DocsCheck {

    /** The launcher's own words, which it handles before any Java runs (see ./peftbench). */
    static final Set<String> LAUNCHER_WORDS = Set.of("test", "package");
    private static final Set<String> SHELL_FENCES = Set.of("", "bash", "sh", "shell", "console");
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```+|~~~+)\\s*([\\w+-]*).*$");

    private final Map<Path, Set<String>> anchors = new HashMap<>();

    /** Every problem in {@code page}. */
    List<String> check(Path page) throws IOException {
        List<String> problems = new ArrayList<>();
        List<String> lines = Files.readAllLines(page);
        String fence = null;
        String language = null;
        StringBuilder command = null;
        int commandLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher f = FENCE.matcher(line);
            if (fence == null && f.matches()) {
                fence = f.group(1);
                language = f.group(2).toLowerCase(Locale.ROOT);
                continue;
            }
            if (fence != null) {
                if (line.strip().startsWith(fence) && line.strip().replace(fence.substring(0, 1), "").isEmpty()) {
                    fence = null;
                    continue;
                }
                if (!SHELL_FENCES.contains(language)) {
                    continue;
                }
                if (command == null) {
                    commandLine = i + 1;
                    command = new StringBuilder();
                }
                if (line.endsWith("\\")) {
                    command.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                command.append(line);
                String problem = checkCommand(command.toString());
                if (problem != null) {
                    problems.add(page.getFileName() + ":" + commandLine + ": " + problem);
                }
                command = null;
                continue;
            }
            Matcher m = LINK.matcher(withoutCodeSpans(line));
            while (m.find()) {
                String problem = checkLink(page, m.group(1));
                if (problem != null) {
                    problems.add(page.getFileName() + ":" + (i + 1) + ": " + problem);
                }
            }
        }
        return problems;
    }

    private String checkLink(Path page, String target) throws IOException {
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return null; // https:, mailto: ...: not ours to resolve
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path linked = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!Files.exists(linked)) {
            return "link to a missing file: " + target;
        }
        if (anchor != null && !anchor.isEmpty()) {
            if (!linked.toString().endsWith(".md")) {
                return "anchor into a file that is not Markdown: " + target;
            }
            Set<String> known = anchors(linked);
            if (!known.contains(anchor)) {
                return "link to a missing heading: " + target;
            }
        }
        return null;
    }

    /** The anchors GitHub gives a page's headings. */
    Set<String> anchors(Path page) throws IOException {
        Set<String> cached = anchors.get(page);
        if (cached != null) {
            return cached;
        }
        Set<String> slugs = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inFence = false;
        for (String line : Files.readAllLines(page)) {
            if (FENCE.matcher(line).matches()) {
                inFence = !inFence;
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (!inFence && h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                slugs.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        anchors.put(page, slugs);
        return slugs;
    }

    /**
     * GitHub's heading anchor: the text with links reduced to their words, lower case, every character
     * that is not a letter, digit, space, hyphen or underscore dropped, spaces made hyphens.
     */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1");
        StringBuilder slug = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                slug.appendCodePoint(c);
            } else if (c == ' ') {
                slug.append('-');
            }
        });
        return slug.toString();
    }

    /** A shell line that runs ./peftbench: its arguments parse with the real command line, or why not. */
    static String checkCommand(String shellLine) {
        List<String> words = ShellWords.split(shellLine);
        int at = words.indexOf("./peftbench");
        if (at < 0) {
            return null;
        }
        List<String> args = words.subList(at + 1, words.size());
        if (args.isEmpty() || LAUNCHER_WORDS.contains(args.getFirst())) {
            return null;
        }
        try {
            new CommandLine(new PeftbenchCli()).parseArgs(args.toArray(String[]::new));
            return null;
        } catch (CommandLine.ParameterException e) {
            return "./peftbench " + String.join(" ", args) + ": " + e.getMessage();
        }
    }

    private static String withoutCodeSpans(String line) {
        return line.replaceAll("`[^`]*`", "``");
    }

    /**
     * A shell command line as words: quotes and backslashes as the shell reads them; it ends at an unquoted
     * pipe, redirection, command separator or comment, and leading variable assignments are dropped.
     */
    static final class ShellWords {

        private ShellWords() {
        }

        static List<String> split(String line) {
            List<String> words = new ArrayList<>();
            StringBuilder word = null;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '\'') {
                    int end = line.indexOf('\'', i + 1);
                    word = (word == null ? new StringBuilder() : word).append(line, i + 1, end < 0 ? line.length() : end);
                    i = end < 0 ? line.length() : end;
                } else if (c == '"') {
                    word = word == null ? new StringBuilder() : word;
                    for (i++; i < line.length() && line.charAt(i) != '"'; i++) {
                        if (line.charAt(i) == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                            i++;
                        }
                        word.append(line.charAt(i));
                    }
                } else if (c == '\\' && i + 1 < line.length()) {
                    word = (word == null ? new StringBuilder() : word).append(line.charAt(++i));
                } else if (Character.isWhitespace(c)) {
                    if (word != null) {
                        words.add(word.toString());
                        word = null;
                    }
                } else if ("|;&<>".indexOf(c) >= 0 || c == '#' && word == null) {
                    break;
                } else {
                    word = (word == null ? new StringBuilder() : word).append(c);
                }
            }
            if (word != null) {
                words.add(word.toString());
            }
            int first = 0;
            while (first < words.size() && words.get(first).matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
                first++;
            }
            return words.subList(first, words.size());
        }
    }
}
