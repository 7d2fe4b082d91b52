package dev.peftbench.cli;

import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.Setting;
import dev.peftbench.contract.SettingOptions;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.hub.DownloadProgress;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The model options of {@code generate} and {@code bench}: {@link Setting#model()}'s declarations, so
 * they have the names, variables and validation of {@code serve}'s, with this entry point's defaults
 * ({@link ModelChoice.EntryPoint#GENERATE}: the bundled sample) in their help.
 */
final class ModelOptions implements IModelTransformer {

    @Override
    public CommandSpec transform(CommandSpec spec) {
        return SettingOptions.add(spec, Setting.model(), ModelChoice.EntryPoint.GENERATE::shownDefault);
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

    /** {@code --prefix-cache-mib} in bytes, refused out of range with {@code serve}'s message (one declaration). */
    static long prefixCacheBytes(long mib) {
        return Setting.PREFIX_CACHE_MIB.parse(Long.toString(mib), Setting.PREFIX_CACHE_MIB.flag()) << 20;
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
