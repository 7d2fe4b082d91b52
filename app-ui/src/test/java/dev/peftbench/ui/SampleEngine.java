package dev.peftbench.ui;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.contract.ModelFields;

import java.nio.file.Path;

/**
 * The real engine, shared by the UI tests of one JVM (as the app shares one), and where the bundled
 * sample model and adapter are.
 */
final class SampleEngine {
    static final Path MODELS = Path.of("..", "sample-data", "models").toAbsolutePath().normalize();
    static final Path BASE = MODELS.resolve("tiny-bloom");
    static final Path PROMPT_TUNING = MODELS.resolve("tiny-bloom-prompt-tuning");

    private static Engine engine;

    private SampleEngine() {
    }

    static synchronized Engine get() {
        if (engine == null) {
            engine = new Engine(new EngineOptions(64, 8, 2));
            Runtime.getRuntime().addShutdownHook(new Thread(engine::close));
        }
        return engine;
    }

    /** The bundled sample with its prompt-tuning adapter, as a first run finds it. */
    static ModelFields sample() {
        return ModelFields.of(BASE.toString(), PROMPT_TUNING.toString());
    }

    /** A workbench around the shared engine, opened with the first-run settings (the sample preselected). */
    static Workbench workbench() {
        return new Workbench(get(), WorkbenchSettings.firstRun(sample()));
    }
}
