package dev.peftbench.engine.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.TensorOps;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the engine knows of one model family, in the family's own package: the transformers classes it
 * runs, how their config.json reads, which weights it loads (its model and weights classes), which projections
 * LoRA may adapt and which peft adapts by default, and where generation stops when a request names no end ids.
 * {@link Architectures} lists the families and asks them; nothing outside a family's package names its
 * architectures. (llama.cpp keeps the same facts per architecture in llama-arch.cpp and llama-model.cpp, Jlama
 * a ModelType per model package.)
 *
 * @param <C> the family's config.json, read and checked
 */
public interface ModelFamily<C extends ModelFamily.Shape> {

    /**
     * One transformers class of the family.
     *
     * @param className               as config.json's {@code architectures} names it, e.g. {@code LlamaForCausalLM}
     * @param modelType               config.json's {@code model_type}, the key of peft's tables
     * @param defaultLoraTargetModules what peft adapts when a LoRA config names no {@code target_modules}: this
     *                                model type's row of peft's {@code TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING}
     *                                (peft/utils/constants.py)
     */
    record Architecture(String className, String modelType, List<String> defaultLoraTargetModules) {
        public Architecture {
            defaultLoraTargetModules = List.copyOf(defaultLoraTargetModules);
        }
    }

    /** The sizes a loaded model reports ({@link ModelInfo}). */
    interface Shape {
        int vocabSize();

        int hiddenSize();

        int layers();

        int heads();
    }

    /** The classes this family runs, each named by one family only. */
    List<Architecture> architectures();

    /**
     * config.json read for {@code architecture} (one of {@link #architectures}) and checked in full before any weight is
     * read: a setting this family does not compute is a LOAD_FAILED naming it.
     */
    C config(Architecture architecture, JsonNode json);

    /** The projections of a layer LoRA may adapt, as {@code save_pretrained} names them, and their shapes. */
    LoraTargets loraTargets(C config);

    /** The ids that end a generation whose request names none, for the snapshot in {@code dir}. */
    List<Integer> eosTokenIds(Path dir, JsonNode json);

    /** The model over {@code ops}, its weights read from {@code weights} (the family's names for them). */
    CausalLm load(C config, WeightSource weights, TensorOps ops, ModelInfo info, LoadProgress progress);
}
