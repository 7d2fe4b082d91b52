package dev.peftbench.contract;

import dev.peftbench.contract.ModelChoice.EntryPoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Map.entry;

/**
 * The model-choice table as the docs state it, written out independently of {@link ModelChoice}'s code,
 * and the combinations of sources every entry point's test runs through the real entry point. Each
 * source that names a base model names its own ({@link #base}); an adapter, when one is given, is a folder
 * whose adapter_config.json names a sibling snapshot {@code adapter-base} by a relative name.
 */
public final class ModelChoiceCases {

    /** The sources a test can set. */
    public enum Src { REQUEST, MODEL_SETTINGS, FLAGS, ENVIRONMENT }

    /**
     * Each entry point's order, highest first: a source, "adapter" (the chosen adapter's own base) or
     * "default"; "environment-base" is the environment's base model alone (tune's adapter flag means
     * another thing, so the adapter's variable is not read).
     */
    public static final Map<EntryPoint, List<String>> TABLE = Map.ofEntries(
            entry(EntryPoint.GENERATE, List.of("flags", "environment", "adapter", "default")),
            entry(EntryPoint.TUNE, List.of("flags", "environment-base", "adapter", "default")),
            entry(EntryPoint.EVAL, List.of("flags", "environment", "adapter", "default")),
            entry(EntryPoint.SERVE, List.of("flags", "environment", "adapter")),
            entry(EntryPoint.SERVE_MODELS_DIR, List.of("flags", "environment", "model_settings", "adapter")),
            entry(EntryPoint.REPOSITORY_LOAD, List.of("request", "flags", "environment", "model_settings", "adapter")),
            entry(EntryPoint.MODELMESH_LOAD, List.of("model_settings", "request", "flags", "environment", "adapter")),
            entry(EntryPoint.UI_FIRST_RUN, List.of("environment", "default")),
            entry(EntryPoint.UI_LOAD, List.of("request", "adapter")),
            entry(EntryPoint.PUBLISH, List.of("flags", "default")));

    /** What a case gives: the sources naming a base model, and the source naming the adapter (null: none). */
    public record Case(Set<Src> bases, Src adapterIn) {
        @Override
        public String toString() {
            return "bases " + bases + ", adapter " + (adapterIn == null ? "none" : "in " + adapterIn);
        }
    }

    private ModelChoiceCases() {
    }

    /** The base model source {@code s} names: a Hub id shape, so that load policies take it as one. */
    public static String base(Src s) {
        return s.name().toLowerCase().replace('_', '-') + "/base";
    }

    /** The sources an entry point takes, as {@link Src}. */
    public static Set<Src> sources(EntryPoint entry) {
        Set<Src> out = EnumSet.noneOf(Src.class);
        for (String token : TABLE.get(entry)) {
            switch (token) {
                case "request" -> out.add(Src.REQUEST);
                case "model_settings" -> out.add(Src.MODEL_SETTINGS);
                case "flags" -> out.add(Src.FLAGS);
                case "environment", "environment-base" -> out.add(Src.ENVIRONMENT);
                default -> {
                }
            }
        }
        return out;
    }

    /**
     * Every combination of the entry point's sources naming a base model, with no adapter or the adapter
     * in one of them. ModelMesh's request is what the pulled folder holds: a snapshot or an adapter, not both.
     */
    public static List<Case> cases(EntryPoint entry) {
        List<Src> sources = new ArrayList<>(sources(entry));
        List<Case> out = new ArrayList<>();
        for (int mask = 0; mask < 1 << sources.size(); mask++) {
            Set<Src> bases = EnumSet.noneOf(Src.class);
            for (int i = 0; i < sources.size(); i++) {
                if ((mask & 1 << i) != 0) {
                    bases.add(sources.get(i));
                }
            }
            List<Src> adapters = new ArrayList<>(sources);
            adapters.add(null);
            for (Src adapterIn : adapters) {
                if (entry == EntryPoint.MODELMESH_LOAD && adapterIn == Src.REQUEST && bases.contains(Src.REQUEST)) {
                    continue;
                }
                out.add(new Case(Set.copyOf(bases), adapterIn));
            }
        }
        return out;
    }

    /** Which base model the table says wins: a source's {@link #base}, {@link #ADAPTER_BASE}, {@link #DEFAULT}, or null. */
    public static String expectedBase(EntryPoint entry, Case c) {
        for (String token : TABLE.get(entry)) {
            switch (token) {
                case "request" -> {
                    if (c.bases().contains(Src.REQUEST)) {
                        return base(Src.REQUEST);
                    }
                }
                case "model_settings" -> {
                    if (c.bases().contains(Src.MODEL_SETTINGS)) {
                        return base(Src.MODEL_SETTINGS);
                    }
                }
                case "flags" -> {
                    if (c.bases().contains(Src.FLAGS)) {
                        return base(Src.FLAGS);
                    }
                }
                case "environment", "environment-base" -> {
                    if (c.bases().contains(Src.ENVIRONMENT)) {
                        return base(Src.ENVIRONMENT);
                    }
                }
                case "adapter" -> {
                    boolean taken = c.adapterIn() != null
                            && !(c.adapterIn() == Src.ENVIRONMENT && TABLE.get(entry).contains("environment-base"));
                    if (taken) {
                        return ADAPTER_BASE;
                    }
                }
                case "default" -> {
                    return DEFAULT;
                }
                default -> throw new IllegalStateException(token);
            }
        }
        return null;
    }

    /** The adapter's own base model won. */
    public static final String ADAPTER_BASE = "the adapter's base";
    /** The entry point's default won. */
    public static final String DEFAULT = "the default";

    /**
     * An adapter folder in {@code dir} whose adapter_config.json names {@code adapter-base}, a snapshot
     * beside it; returns the adapter. {@link #adapterBase} is what a choice must resolve that name to.
     */
    public static Path adapterWithBase(Path dir) throws IOException {
        Path adapter = Files.createDirectories(dir.resolve("the-adapter"));
        Files.writeString(adapter.resolve("adapter_config.json"),
                "{\"peft_type\": \"LORA\", \"base_model_name_or_path\": \"adapter-base\", \"r\": 4}");
        Files.writeString(Files.createDirectories(dir.resolve("adapter-base")).resolve("config.json"), "{}");
        return adapter;
    }

    public static String adapterBase(Path dir) {
        return dir.resolve("adapter-base").toAbsolutePath().normalize().toString();
    }
}
