package dev.peftbench.cli;

import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.Setting;
import dev.peftbench.contract.SettingOptions;
import dev.peftbench.contract.SettingValues;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.hub.DownloadProgress;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The model and engine options of {@code generate} and {@code bench}: {@link Setting#model()}'s and
 * {@link Setting#engine()}'s declarations, so they have the names, variables, defaults, help and validation of
 * {@code serve}'s, with this entry point's defaults ({@link ModelChoice.EntryPoint#GENERATE}: the bundled sample) in
 * their help.
 */
final class ModelOptions implements IModelTransformer {

    @Override
    public CommandSpec transform(CommandSpec spec) {
        SettingOptions.add(spec, Setting.model(), ModelChoice.EntryPoint.GENERATE::shownDefault);
        return SettingOptions.add(spec, Setting.engine(), Setting::shownDefault);
    }

    /** What {@code command}'s flags and the environment choose; {@code notices} hears when a default or the adapter's base was taken. */
    static ModelSpec spec(CommandSpec command, Map<String, String> env, Consumer<String> notices) {
        ModelChoice.Choice choice = ModelChoice.choose(ModelChoice.EntryPoint.GENERATE,
                ModelChoice.Said.commandLine(SettingOptions.flags(command, Setting.model()), env));
        String base = choice.fields().baseModel();
        if (choice.baseModelFrom() == ModelChoice.Source.DEFAULT) {
            notices.accept("no " + Setting.BASE_MODEL.label() + ": using the bundled sample " + base
                    + (choice.fields().adapterToLoad() == null ? "" : " with adapter " + choice.fields().adapterToLoad()));
        } else if (choice.baseModelFrom() == ModelChoice.Source.ADAPTER_BASE) {
            notices.accept("no " + Setting.BASE_MODEL.label() + ": using " + base + ", the base model adapter "
                    + choice.fields().adapterToLoad() + " names (base_model_name_or_path)");
        }
        return choice.fields().spec();
    }

    /** {@code base} with {@link Setting#engine()}'s values: each flag as typed, else its variable in {@code env}, else its default. */
    static EngineOptions engineOptions(CommandSpec command, Map<String, String> env, EngineOptions base) {
        SettingValues values = new SettingValues(SettingOptions.flags(command, Setting.engine()), env);
        return base.withMaxPrefillTokens(values.get(Setting.MAX_PREFILL_TOKENS))
                .withStepTargetMs(values.get(Setting.STEP_TARGET_MS))
                .withPrefixCacheBytes(values.get(Setting.PREFIX_CACHE_MIB) << 20);
    }

    /**
     * Load progress as lines on stderr (stdout stays for the answer), at most one per 10%; a download's
     * progress is logged by the engine (also on stderr), so it is not printed twice.
     */
    static LoadProgress progressTo(PrintWriter err) {
        ProgressLine line = new ProgressLine(err, false);
        return new LoadProgress() {
            @Override
            public void report(double fraction, String message) {
                line.show(String.format("loading %3.0f%%  %s", fraction * 100, message), (int) (fraction * 10));
            }

            @Override
            public void downloading(DownloadProgress progress) {
            }
        };
    }
}
