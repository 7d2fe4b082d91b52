package dev.peftbench.engine;

import java.util.Locale;

/**
 * Which field of a request, a model spec, the engine's options or a tuning job an {@link EngineException} is
 * about, in the engine's words. Each front end names it in its own: the command line as its flag, HTTP as its
 * JSON field or parameter, the desktop app as its label; the engine's own message ({@link #neutralName()}) is
 * what a log shows.
 */
public enum InputField {
    // Which model, and how it runs (ModelSpec, EngineOptions).
    MODEL, ADAPTER, DTYPE, BACKEND, DEVICE, QUEUE_CAPACITY, THREADS, MAX_BATCH, MAX_PREFILL_TOKENS, STEP_TARGET_MS,
    PREFIX_CACHE_SIZE,
    // A generation (SamplingParams).
    MAX_NEW_TOKENS, TEMPERATURE, TOP_K, TOP_P, REPETITION_PENALTY, SEED, STOP, EOS_TOKEN_ID, STOP_TOKEN_IDS, LOGPROBS,
    PROMPT_LOGPROBS, CHOICES,
    // A tuning job (TuningJob and its parts).
    DATA, TEXT_COLUMN, LABEL_COLUMN, EVAL_SPLIT, MAX_LENGTH, LONG_ROWS, METHOD, NUM_VIRTUAL_TOKENS, INIT_TEXT, LORA_R,
    LORA_ALPHA, LORA_DROPOUT, TARGET_MODULES, USE_RSLORA, EPOCHS, BATCH_SIZE, LEARNING_RATE, WEIGHT_DECAY,
    WARMUP_STEPS, MAX_STEPS, GRADIENT_ACCUMULATION_STEPS, OUT, OVERWRITE, SAVE_STEPS, RESUME,
    // A Hub download (HubClient).
    INCLUDE;

    /** The engine's own name for the field: {@code max_new_tokens}. */
    public String neutralName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
