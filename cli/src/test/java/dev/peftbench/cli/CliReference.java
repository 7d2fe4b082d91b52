package dev.peftbench.cli;

import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelChoice.EntryPoint;
import dev.peftbench.contract.ModelChoice.Source;
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
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The reference pages' generated parts, rendered from what the code declares: every command's options from
 * picocli's model of {@link PeftbenchCli} ({@code docs/cli.md}) and every server setting from
 * {@link Setting#all()} ({@code docs/settings.md}), and the README's model-choice table from {@link ModelChoice}'s
 * entry points. Each page holds its part between two marker comments;
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

    /** How the README names each entry point; a new one fails {@link #modelChoice()} until it is named here. */
    private static final Map<EntryPoint, String> ENTRY_POINTS = Map.ofEntries(
            Map.entry(EntryPoint.GENERATE, "`generate`, `bench`"),
            Map.entry(EntryPoint.TUNE, "`tune`"),
            Map.entry(EntryPoint.EVAL, "`eval` (its first adapter other than `none` decides)"),
            Map.entry(EntryPoint.SERVE, "`serve`, its one model"),
            Map.entry(EntryPoint.SERVE_MODELS_DIR, "`serve`, each model of `--models-dir`"),
            Map.entry(EntryPoint.REPOSITORY_LOAD, "repository load (REST / gRPC)"),
            Map.entry(EntryPoint.MODELMESH_LOAD, "ModelMesh `loadModel`"),
            Map.entry(EntryPoint.UI_FIRST_RUN, "workbench, first run"),
            Map.entry(EntryPoint.UI_LOAD, "workbench, Load"),
            Map.entry(EntryPoint.PUBLISH, "`publish`"));
    private static final Map<Source, String> SOURCES = Map.of(
            Source.REQUEST, "the request's own fields",
            Source.MODEL_SETTINGS, "`model-settings.json`",
            Source.FLAGS, "flags",
            Source.ENVIRONMENT, "environment",
            Source.ENVIRONMENT_BASE_MODEL, "`PRETRAINED_MODEL_PATH` alone",
            Source.ADAPTER_BASE, "the adapter's own base model");

    /** {@link ModelChoice}'s table: each entry point's sources, highest first, its default named. */
    static String modelChoice() {
        StringBuilder md = new StringBuilder("| entry point | sources, highest first |\n|---|---|\n");
        for (EntryPoint e : EntryPoint.values()) {
            String name = ENTRY_POINTS.get(e);
            if (name == null) {
                throw new IllegalStateException("name the entry point " + e + " in CliReference.ENTRY_POINTS");
            }
            String sources = e.order().stream().map(source -> source == Source.DEFAULT ? defaultOf(e) : SOURCES.get(source))
                    .collect(Collectors.joining(", "));
            md.append("| ").append(name).append(" | ").append(sources)
                    .append(e.order().contains(Source.DEFAULT) ? "" : "; no default").append(" |\n");
        }
        return md.toString();
    }

    private static String defaultOf(EntryPoint e) {
        String base = e.shownDefault(Setting.BASE_MODEL);
        String adapter = e.defaults().adapterToLoad();
        return base.startsWith("the bundled sample") ? "the bundled sample" + (adapter == null ? " model" : "")
                : "`" + base + "`" + (adapter == null ? "" : " with `" + adapter + "`");
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
