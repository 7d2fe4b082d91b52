package dev.peftbench.contract;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.generate.PromptTemplate;

import java.util.Map;
import java.util.function.Function;

/**
 * What one source (flags, environment, a model-settings.json, a load request, a default) says about a
 * model; null = not said. Which source wins is {@link ModelChoice}'s table.
 *
 * @param adapter {@value #NO_ADAPTER} = explicitly none (wins over an adapter a lower source names)
 */
public record ModelFields(String baseModel, String adapter, String template, String textColumn, String version,
                          ComputeType dtype, Backend backend, Device device) {

    public static final ModelFields NONE = new ModelFields(null, null, null, null, null, null, null, null);
    public static final String NO_ADAPTER = "none";

    public ModelFields {
        baseModel = blankToNull(baseModel);
        adapter = blankToNull(adapter);
        template = blankToNull(template);
        textColumn = blankToNull(textColumn);
        version = blankToNull(version);
    }

    /** A base model and adapter, nothing else said. */
    public static ModelFields of(String baseModel, String adapter) {
        return NONE.withModel(baseModel, adapter);
    }

    /**
     * What the command line said, each value as typed ({@code null} = not given); a bad dtype, backend or
     * device fails with the engine's own message, as {@code generate} prints it.
     */
    public static ModelFields fromFlags(Map<Setting<?>, String> flags) {
        return read(flags::get, s -> null);
    }

    /** What the runtime's environment says ({@link Setting#model()}'s variables). */
    public static ModelFields fromEnvironment(Map<String, String> env) {
        return read(s -> env.get(s.env()), Setting::env);
    }

    private static ModelFields read(Function<Setting<?>, String> value, Function<Setting<?>, String> source) {
        return new ModelFields(value.apply(Setting.BASE_MODEL), value.apply(Setting.ADAPTER),
                value.apply(Setting.TEMPLATE), value.apply(Setting.TEXT_COLUMN), null,
                parse(value.apply(Setting.DTYPE), Setting.DTYPE, source.apply(Setting.DTYPE)),
                parse(value.apply(Setting.BACKEND), Setting.BACKEND, source.apply(Setting.BACKEND)),
                parse(value.apply(Setting.DEVICE), Setting.DEVICE, source.apply(Setting.DEVICE)));
    }

    /**
     * {@code text} as {@code setting} parses it (so every entry point accepts and refuses the same words);
     * null stays null. A refusal names {@code source} (a variable, a file field) when there is one.
     */
    public static <T> T parse(String text, Setting<T> setting, String source) {
        return text == null || text.isBlank() ? null : setting.parse(text, source);
    }

    public ModelFields orElse(ModelFields lower) {
        return new ModelFields(first(baseModel, lower.baseModel), first(adapter, lower.adapter),
                first(template, lower.template), first(textColumn, lower.textColumn), first(version, lower.version),
                first(dtype, lower.dtype), first(backend, lower.backend), first(device, lower.device));
    }

    public ModelFields withModel(String newBase, String newAdapter) {
        return new ModelFields(newBase, newAdapter, template, textColumn, version, dtype, backend, device);
    }

    public ModelFields withRuntime(ComputeType newDtype, Backend newBackend, Device newDevice) {
        return new ModelFields(baseModel, adapter, template, textColumn, version, newDtype, newBackend, newDevice);
    }

    public ModelFields withVersion(String newVersion) {
        return new ModelFields(baseModel, adapter, template, textColumn, newVersion, dtype, backend, device);
    }

    /** The adapter to load: null for none, also when a source said {@value #NO_ADAPTER}. */
    public String adapterToLoad() {
        return adapter == null || adapter.equalsIgnoreCase(NO_ADAPTER) ? null : adapter;
    }

    /** The engine's spec, for a command that runs one model; a bad field fails with the engine's message. */
    public ModelSpec spec() {
        return new ModelSpec(baseModel, adapterToLoad(), PromptTemplate.parse(template, textColumn), device, dtype,
                backend, ModelSpec.DEFAULT_MAX_PROMPT_TOKENS);
    }

    /** The engine's spec for the served {@code name}; fails naming what to set when no base model was given. */
    public ModelSpec toSpec(String name) {
        if (baseModel == null) {
            throw EngineException.invalid("model '" + name + "' has no base model: pass " + Setting.BASE_MODEL.flag()
                    + ", set " + Setting.BASE_MODEL.env() + ", or name it in model-settings.json (parameters.extra.base_model)");
        }
        try {
            return spec();
        } catch (EngineException e) {
            throw EngineException.invalid("model '" + name + "': " + e.getMessage());
        }
    }

    /** What a loaded model runs as, in these fields (the workbench serves what it loaded). */
    public static ModelFields of(ModelSpec spec) {
        String textColumn = spec.template() instanceof PromptTemplate.Seed seed ? seed.textColumn() : null;
        return new ModelFields(spec.baseModel(), spec.adapter() == null ? NO_ADAPTER : spec.adapter(),
                spec.template().spec(), textColumn, null, spec.dtype(), spec.backend(), spec.device());
    }

    private static <T> T first(T a, T b) {
        return a != null ? a : b;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
