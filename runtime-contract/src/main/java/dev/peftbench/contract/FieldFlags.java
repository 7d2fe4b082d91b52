package dev.peftbench.contract;

import dev.peftbench.engine.InputField;

/**
 * How the command line names each field the engine speaks of: its flag, the {@link Setting}'s where a setting
 * declares it; a field no command takes as a flag (a request's {@code stop_token_ids}, the engine's thread count) keeps the engine's name.
 * The one place a command's error message gets its flags from ({@code CommandLines}).
 */
public final class FieldFlags {

    private FieldFlags() {
    }

    public static String of(InputField field) {
        return switch (field) {
            case MODEL -> Setting.BASE_MODEL.flag();
            case ADAPTER -> Setting.ADAPTER.flag();
            case DTYPE -> Setting.DTYPE.flag();
            case BACKEND -> Setting.BACKEND.flag();
            case DEVICE -> Setting.DEVICE.flag();
            case TEXT_COLUMN -> Setting.TEXT_COLUMN.flag();
            case QUEUE_CAPACITY -> Setting.QUEUE_CAPACITY.flag();
            case MAX_PREFILL_TOKENS -> Setting.MAX_PREFILL_TOKENS.flag();
            case STEP_TARGET_MS -> Setting.STEP_TARGET_MS.flag();
            case PREFIX_CACHE_SIZE -> Setting.PREFIX_CACHE_MIB.flag();
            case LEARNING_RATE -> "--lr";
            case EOS_TOKEN_ID -> "--eos-token-id";
            case MAX_NEW_TOKENS, TEMPERATURE, TOP_K, TOP_P, REPETITION_PENALTY, SEED, STOP, DATA,
                 LABEL_COLUMN, EVAL_SPLIT, MAX_LENGTH, LONG_ROWS, METHOD, NUM_VIRTUAL_TOKENS, INIT_TEXT, LORA_R, LORA_ALPHA,
                 LORA_DROPOUT, TARGET_MODULES, USE_RSLORA, EPOCHS, BATCH_SIZE, WEIGHT_DECAY, WARMUP_STEPS, MAX_STEPS,
                 GRADIENT_ACCUMULATION_STEPS, OUT, OVERWRITE, SAVE_STEPS, RESUME, INCLUDE -> "--" + field.neutralName().replace('_', '-');
            case THREADS, MAX_BATCH, STOP_TOKEN_IDS, LOGPROBS, PROMPT_LOGPROBS, CHOICES -> field.neutralName();
        };
    }
}
