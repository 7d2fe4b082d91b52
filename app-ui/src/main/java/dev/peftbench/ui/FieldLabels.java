package dev.peftbench.ui;

import dev.peftbench.engine.InputField;

/**
 * How the workbench names each field the engine speaks of: the label of its control on the Model, Prompt and Tune
 * pages, so that a message says which control to change; a field no page shows keeps the engine's name. The one
 * place the workbench's messages get their field names from ({@link UserMessage}, the Tune page's form).
 */
public final class FieldLabels {

    private FieldLabels() {
    }

    public static String of(InputField field) {
        return switch (field) {
            case MODEL -> "Base model";
            case ADAPTER -> "PEFT adapter";
            case DTYPE -> "dtype";
            case BACKEND -> "backend";
            case DEVICE -> "Device";
            case MAX_NEW_TOKENS -> "Max new tokens";
            case TEMPERATURE -> "Temperature";
            case TOP_K -> "Top-k";
            case TOP_P -> "Top-p";
            case SEED -> "Seed";
            case EOS_TOKEN_ID -> "End id";
            case DATA -> "Data file";
            case TEXT_COLUMN -> "Text column";
            case LABEL_COLUMN -> "Label column";
            case EVAL_SPLIT -> "Held out";
            case METHOD -> "Method";
            case NUM_VIRTUAL_TOKENS -> "Virtual tokens";
            case INIT_TEXT -> "Init text";
            case LORA_R -> "Rank r";
            case LORA_ALPHA -> "Alpha";
            case LORA_DROPOUT -> "Dropout";
            case TARGET_MODULES -> "Targets";
            case USE_RSLORA -> "rsLoRA";
            case EPOCHS -> "Epochs";
            case BATCH_SIZE -> "Batch size";
            case LEARNING_RATE -> "Learning rate";
            case WEIGHT_DECAY -> "Weight decay";
            case WARMUP_STEPS -> "Warm-up";
            case MAX_STEPS -> "Max steps";
            case OUT -> "Output folder";
            case QUEUE_CAPACITY, THREADS, MAX_BATCH, MAX_PREFILL_TOKENS, STEP_TARGET_MS, PREFIX_CACHE_SIZE, REPETITION_PENALTY,
                 STOP, STOP_TOKEN_IDS, LOGPROBS, PROMPT_LOGPROBS, CHOICES, MAX_LENGTH, LONG_ROWS, OVERWRITE, SAVE_STEPS,
                 RESUME, INCLUDE, GRADIENT_ACCUMULATION_STEPS -> field.neutralName().replace('_', ' ');
        };
    }
}
