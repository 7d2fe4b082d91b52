package dev.peftbench.cli;

import dev.peftbench.contract.Setting;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference pages' generated parts, rendered from what the code declares: every command's options from
 * picocli's model of {@link PeftbenchCli} ({@code docs/cli.md}) and every server setting from
 * {@link Setting#all()} ({@code docs/settings.md}). Each page holds its part between two marker comments;
 * {@link CliReferenceTest} fails when a page's part differs from the rendering.
 */
final class CliReference {

    static final String BEGIN = "<!-- generated from the code by CliReferenceTest: do not edit by hand -->";
    static final String END = "<!-- end of generated part -->";
    /** With this system property set to true the test writes the pages instead of comparing them. */
    static final String REGENERATE = "peftbench.regenerate-docs";
    static final String HOW_TO_REGENERATE = "./mvnw -B -pl cli -am -Dtest=CliReferenceTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -D" + REGENERATE + "=true verify";

    private CliReference() {
    }

    /** Every command under the root, each with its usage line and a table of its options and parameters. */
    static String commands() {
        CommandLine root = new CommandLine(new PeftbenchCli());
        StringBuilder md = new StringBuilder();
        for (CommandLine sub : root.getSubcommands().values()) {
            command(md, sub.getCommandSpec(), "./peftbench " + sub.getCommandName());
        }
        return md.toString();
    }

    private static void command(StringBuilder md, CommandSpec spec, String path) {
        md.append("### ").append(spec.name()).append("\n\n");
        md.append(cell(String.join(" ", spec.usageMessage().description()))).append("\n\n");
        md.append("```text\n").append(usage(spec, path)).append("\n```\n\n");
        List<String[]> rows = new ArrayList<>();
        for (PositionalParamSpec p : spec.positionalParameters()) {
            rows.add(new String[] {"`" + p.paramLabel() + "`", defaultOf(p.defaultValueString(), p.arity().min == 0),
                    String.join(" ", p.description())});
        }
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp() || o.hidden()) {
                continue;
            }
            String names = "`" + String.join("`, `", o.names()) + "`";
            if (o.arity().max > 0 && !o.paramLabel().isEmpty()) {
                names += " `" + o.paramLabel() + "`";
            }
            rows.add(new String[] {names + (o.required() ? " (required)" : ""),
                    defaultOf(o.defaultValueString(), o.arity().max > 0), String.join(" ", o.description())});
        }
        if (!rows.isEmpty()) {
            md.append("| option | default | what |\n|---|---|---|\n");
            for (String[] row : rows) {
                md.append("| ").append(row[0].replace("|", "\\|")).append(" | ").append(cell(row[1]))
                        .append(" | ").append(cell(row[2])).append(" |\n");
            }
            md.append('\n');
        }
        for (CommandLine sub : spec.subcommands().values()) {
            command(md, sub.getCommandSpec(), path + " " + sub.getCommandName());
        }
    }

    /** The usage line as {@code --help} prints it, on one line. */
    private static String usage(CommandSpec spec, String path) {
        String synopsis = new CommandLine.Help(spec, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .synopsis(0).strip().replaceAll("\\s+", " ");
        String name = spec.qualifiedName();
        return synopsis.startsWith(name) ? path + synopsis.substring(name.length()) : path + " " + synopsis;
    }

    /** A default worth showing: not picocli's null or empty list, nor a flag's false. */
    private static String defaultOf(String value, boolean takesValue) {
        if (value == null || value.equals("null") || value.equals("[]") || value.isEmpty()
                || !takesValue && value.equals("false")) {
            return "";
        }
        return "`" + value + "`";
    }

    /** Every server setting: flag, environment variable, default and help, as declared. */
    static String settings() {
        StringBuilder md = new StringBuilder("| flag | environment | default | what |\n|---|---|---|---|\n");
        for (Setting<?> s : Setting.all()) {
            md.append("| `").append(s.flag()).append("` | ").append(s.env() == null ? "" : "`" + s.env() + "`")
                    .append(" | ").append(s.shownDefault() == null ? "" : cell(s.shownDefault()))
                    .append(" | ").append(cell(s.help())).append(" |\n");
        }
        return md.toString();
    }

    /** Table cell text: no pipes, no HTML (angle brackets), one line. */
    private static String cell(String text) {
        return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replaceAll("\\s*\\n\\s*", " ").strip();
    }

    /** The part of {@code page} between the markers, or null when the page has none. */
    static String generatedPart(String page) {
        int begin = page.indexOf(BEGIN);
        int end = page.indexOf(END);
        return begin < 0 || end < begin ? null : page.substring(begin + BEGIN.length(), end).strip() + "\n";
    }

    /** Writes {@code part} between the page's markers. */
    static void write(Path page, String part) throws IOException {
        String text = Files.readString(page);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(page + " has no " + BEGIN + " ... " + END + " markers");
        }
        Files.writeString(page, text.substring(0, begin + BEGIN.length()) + "\n\n" + part.strip() + "\n\n" + text.substring(end));
    }
}
