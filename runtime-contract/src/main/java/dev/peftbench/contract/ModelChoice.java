package dev.peftbench.contract;

import dev.peftbench.engine.adapter.AdapterConfig;
import dev.peftbench.engine.hub.CacheRepo;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.hub.RepoId;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which model runs: the one rule every entry point asks. Each {@link EntryPoint} layers the
 * {@link Source}s it has in its own order, highest first; a field (base model, adapter, template, text
 * column, dtype, backend, device) comes from the first source that says it:
 *
 * <table>
 *   <caption>Sources by entry point, highest first</caption>
 *   <tr><th>entry point</th><th>order</th></tr>
 *   <tr><td>{@code generate}, {@code bench}</td><td>flags, environment, adapter's base, the bundled sample</td></tr>
 *   <tr><td>{@code tune}</td><td>flags, the base model's variable, adapter's base, the bundled sample model</td></tr>
 *   <tr><td>{@code eval}</td><td>flags (the first adapter other than none), environment, adapter's base, the bundled sample</td></tr>
 *   <tr><td>{@code serve}, its one model</td><td>flags, environment, adapter's base; no default</td></tr>
 *   <tr><td>{@code serve}, each model of the models dir</td><td>flags, environment, model-settings.json, adapter's base</td></tr>
 *   <tr><td>repository load</td><td>request, flags, environment, model-settings.json (or the model's current settings), adapter's base</td></tr>
 *   <tr><td>ModelMesh {@code loadModel}</td><td>model-settings.json, request (what the pulled folder holds), flags, environment, adapter's base</td></tr>
 *   <tr><td>workbench, first run</td><td>environment, the bundled sample</td></tr>
 *   <tr><td>workbench, Load</td><td>request (the page's fields), adapter's base</td></tr>
 *   <tr><td>{@code publish}</td><td>flags, bigscience/bloomz-560m with its prompt-tuning adapter</td></tr>
 * </table>
 *
 * <p>Decisions: ModelMesh's row puts a model's own model-settings.json above the runtime's flags and
 * environment, as MLServer lets a model's settings override the runtime-wide defaults (the runtime serves
 * many models placed by ModelMesh; its environment is their common default). Everywhere else the
 * operator's flags and environment win over a model-settings.json, as {@code serve} has documented. A
 * default's base model and adapter count as a pair: its adapter applies only when no source named a base
 * model, so the sample's adapter never lands on a model the user chose.
 *
 * <p>The adapter's base ({@link Source#ADAPTER_BASE}): when no source names a base model and the chosen
 * adapter is a folder here (or a Hub id in the Hugging Face cache), its adapter_config.json's
 * {@code base_model_name_or_path}. A relative name is looked for in the adapter's folder and the folders
 * above it, nearest first (peft writes the path its trainer was given: a sibling such as {@code tiny-bloom},
 * or one from a project's root such as {@code sample-data/models/tiny-bloom}), then in the working
 * directory, each counting only when it holds a model snapshot (config.json); else it is kept as written,
 * a Hub id, looked up in (or downloaded into) the Hugging Face cache as any Hub id is.
 */
public final class ModelChoice {

    private static final String SNAPSHOT_FILE = "config.json";

    private ModelChoice() {
    }

    /** Where what a model is can come from. */
    public enum Source {
        /** A request's own fields: a repository load's parameters, what ModelMesh's pulled folder holds, the UI's fields. */
        REQUEST,
        /** The model's model-settings.json (MLServer's per-model settings). */
        MODEL_SETTINGS,
        /** The command line. */
        FLAGS,
        /** The process environment ({@link Setting#model()}'s variables). */
        ENVIRONMENT,
        /** Only {@link Setting#BASE_MODEL}'s variable (tune's adapter flag means another thing). */
        ENVIRONMENT_BASE_MODEL,
        /** The chosen adapter's own base_model_name_or_path. */
        ADAPTER_BASE,
        /** The entry point's default. */
        DEFAULT
    }

    /** Every entry point that decides which model runs, with its order of sources and its default. */
    public enum EntryPoint {
        GENERATE(List.of(Source.FLAGS, Source.ENVIRONMENT, Source.ADAPTER_BASE, Source.DEFAULT), BundledSample::fields),
        TUNE(List.of(Source.FLAGS, Source.ENVIRONMENT_BASE_MODEL, Source.ADAPTER_BASE, Source.DEFAULT),
                () -> BundledSample.fields().withModel(BundledSample.fields().baseModel(), null)),
        /** As generate: {@code eval} compares adapters on the model generate would run (its first adapter decides). */
        EVAL(List.of(Source.FLAGS, Source.ENVIRONMENT, Source.ADAPTER_BASE, Source.DEFAULT), BundledSample::fields),
        SERVE(List.of(Source.FLAGS, Source.ENVIRONMENT, Source.ADAPTER_BASE), () -> ModelFields.NONE),
        SERVE_MODELS_DIR(List.of(Source.FLAGS, Source.ENVIRONMENT, Source.MODEL_SETTINGS, Source.ADAPTER_BASE),
                () -> ModelFields.NONE),
        REPOSITORY_LOAD(List.of(Source.REQUEST, Source.FLAGS, Source.ENVIRONMENT, Source.MODEL_SETTINGS, Source.ADAPTER_BASE),
                () -> ModelFields.NONE),
        MODELMESH_LOAD(List.of(Source.MODEL_SETTINGS, Source.REQUEST, Source.FLAGS, Source.ENVIRONMENT, Source.ADAPTER_BASE),
                () -> ModelFields.NONE),
        UI_FIRST_RUN(List.of(Source.ENVIRONMENT, Source.DEFAULT), BundledSample::fields),
        UI_LOAD(List.of(Source.REQUEST, Source.ADAPTER_BASE), () -> ModelFields.NONE),
        /** The reference deployment's model; its paths are the cluster's, so no adapter is read here. */
        PUBLISH(List.of(Source.FLAGS, Source.DEFAULT),
                () -> ModelFields.of("bigscience/bloomz-560m", "aipipeline/bloomz-560m_PROMPT_TUNING_CAUSAL_LM"));

        private final List<Source> order;
        private final Supplier<ModelFields> defaults;

        EntryPoint(List<Source> order, Supplier<ModelFields> defaults) {
            this.order = order;
            this.defaults = defaults;
        }

        /** The sources this entry point takes, highest first. */
        public List<Source> order() {
            return order;
        }

        /** What this entry point runs when no source names a model (NONE: nothing). */
        public ModelFields defaults() {
            return order.contains(Source.DEFAULT) ? defaults.get() : ModelFields.NONE;
        }

        /** A setting's default as this entry point's help shows it, or null when there is none. */
        public String shownDefault(Setting<?> setting) {
            if (setting == Setting.BASE_MODEL) {
                return shown(defaults().baseModel());
            }
            if (setting == Setting.ADAPTER) {
                String adapter = shown(defaults().adapterToLoad());
                return adapter == null ? null : adapter + ", with the default model only";
            }
            return setting.shownDefault();
        }

        private static String shown(String value) {
            if (value == null) {
                return null;
            }
            Path path = Path.of(value);
            return path.startsWith(BundledSample.folder()) ? "the bundled sample " + path.getFileName() : value;
        }
    }

    /**
     * What each source says (NONE where it says nothing). Where a caller holds flags and environment
     * already layered (the server's {@code ServeConfig.model()}), it passes them as flags: they are adjacent
     * in every order that has both.
     */
    public record Said(ModelFields request, ModelFields modelSettings, ModelFields flags, ModelFields environment) {
        public Said {
            request = request == null ? ModelFields.NONE : request;
            modelSettings = modelSettings == null ? ModelFields.NONE : modelSettings;
            flags = flags == null ? ModelFields.NONE : flags;
            environment = environment == null ? ModelFields.NONE : environment;
        }

        public static final Said NOTHING = new Said(null, null, null, null);

        /** The command line's flags (each as typed) and the process environment. */
        public static Said commandLine(Map<Setting<?>, String> flags, Map<String, String> env) {
            return new Said(null, null, ModelFields.fromFlags(flags), ModelFields.fromEnvironment(env));
        }

        public Said withRequest(ModelFields fields) {
            return new Said(fields, modelSettings, flags, environment);
        }

        public Said withModelSettings(ModelFields fields) {
            return new Said(request, fields, flags, environment);
        }

        public Said withFlags(ModelFields fields) {
            return new Said(request, modelSettings, fields, environment);
        }

        public Said withEnvironment(ModelFields fields) {
            return new Said(request, modelSettings, flags, fields);
        }

        ModelFields of(Source source) {
            return switch (source) {
                case REQUEST -> request;
                case MODEL_SETTINGS -> modelSettings;
                case FLAGS -> flags;
                case ENVIRONMENT -> environment;
                case ENVIRONMENT_BASE_MODEL -> ModelFields.of(environment.baseModel(), null);
                case ADAPTER_BASE, DEFAULT -> ModelFields.NONE;
            };
        }
    }

    /**
     * The chosen fields, and where the base model came from (null when nothing named one), so that a
     * command can say when it took a default or the adapter's base.
     */
    public record Choice(ModelFields fields, Source baseModelFrom) {
    }

    /**
     * What the server's own flags and environment say, flags first: the part every server row shares,
     * which the server holds as its runtime's word ({@code ServeConfig.model()}).
     */
    public static ModelFields runtime(Map<Setting<?>, String> flags, Map<String, String> env) {
        return ModelFields.fromFlags(flags).orElse(ModelFields.fromEnvironment(env));
    }

    /** {@code entry}'s choice from what the sources say; Hub ids are looked for in the environment's Hugging Face cache. */
    public static Choice choose(EntryPoint entry, Said said) {
        return choose(entry, said, HubSettings::fromEnvironment);
    }

    /** As {@link #choose(EntryPoint, Said)}, with the Hugging Face cache given (read only when an adapter is a Hub id). */
    public static Choice choose(EntryPoint entry, Said said, Supplier<HubSettings> hub) {
        ModelFields chosen = ModelFields.NONE;
        Source baseFrom = null;
        for (Source source : entry.order) {
            ModelFields layer = switch (source) {
                case ADAPTER_BASE -> chosen.baseModel() != null || chosen.adapterToLoad() == null ? ModelFields.NONE
                        : adapterBase(chosen.adapterToLoad(), hub).map(base -> ModelFields.of(base, null)).orElse(ModelFields.NONE);
                // a default's adapter comes with its base model only
                case DEFAULT -> chosen.baseModel() != null ? entry.defaults().withModel(null, null) : entry.defaults();
                default -> said.of(source);
            };
            if (baseFrom == null && layer.baseModel() != null) {
                baseFrom = source;
            }
            chosen = chosen.orElse(layer);
        }
        return new Choice(chosen, baseFrom);
    }

    /**
     * The base model {@code adapter}'s adapter_config.json names, a relative name resolved as this class
     * says; empty when the adapter is no folder here nor a cached Hub id, or names no base.
     */
    static Optional<String> adapterBase(String adapter, Supplier<HubSettings> hub) {
        return adapterFolder(adapter, hub).flatMap(dir -> AdapterConfig.baseModelName(dir).map(name -> resolve(name, dir)));
    }

    private static Optional<Path> adapterFolder(String adapter, Supplier<HubSettings> hub) {
        try {
            Path dir = Path.of(adapter);
            if (Files.isDirectory(dir)) {
                return Optional.of(dir.toAbsolutePath().normalize());
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        if (!RepoId.isValid(adapter)) {
            return Optional.empty();
        }
        RepoId repo = new RepoId(adapter);
        for (Path cache : hub.get().caches()) {
            Optional<Path> snapshot = new CacheRepo(cache, repo).snapshot("main");
            if (snapshot.isPresent()) {
                return snapshot;
            }
        }
        return Optional.empty();
    }

    /** A relative base name: the adapter's folder and those above it, then the working directory, else as written. */
    private static String resolve(String name, Path adapterDir) {
        Path relative;
        try {
            relative = Path.of(name);
        } catch (InvalidPathException e) {
            return name;
        }
        if (relative.isAbsolute()) {
            return name;
        }
        for (Path dir = adapterDir; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative).normalize();
            if (Files.isRegularFile(candidate.resolve(SNAPSHOT_FILE))) {
                return candidate.toString();
            }
        }
        Path here = relative.toAbsolutePath().normalize();
        return Files.isRegularFile(here.resolve(SNAPSHOT_FILE)) ? here.toString() : name;
    }
}
