package dev.peftbench.contract;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.generate.PromptTemplate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * One setting of the server, declared once: its flag, the environment variable that stands in for it
 * (the reference runtime's MLServer names plus ours; null for a flag-only setting), its type, its default
 * and its help. Everything else derives from these declarations: the options of {@code serve} (and the
 * model and engine options of {@code generate}, {@code bench} and {@code eval}) with their help ({@link SettingOptions}), the
 * resolution flags over environment over default ({@link SettingValues}), the runtime image's environment
 * and the published ServingRuntime ({@link RuntimeContract}). Adding a setting is one declaration here
 * and the code that reads it ({@code config.get(Setting.X)} or a {@code ServeConfig} component).
 *
 * <p>The {@link #model()} settings say which model runs; what wins among flags, environment, a
 * model-settings.json and an entry point's default is {@link ModelChoice}'s table, so their declared
 * defaults are the engine's, shown in help.
 */
public final class Setting<T> {

    private static final List<Setting<?>> ALL = new ArrayList<>();
    private static final List<Setting<?>> MODEL = new ArrayList<>();
    private static final List<Setting<?>> ENGINE = new ArrayList<>();

    // Which model, and how it runs (ModelFields). The base model and adapter have no default here: each
    // entry point has its own (ModelChoice.EntryPoint).
    public static final Setting<String> BASE_MODEL = model("--model", "PRETRAINED_MODEL_PATH", SettingType.TEXT, null,
            "Base model folder or Hub id, downloaded into the Hugging Face cache when missing.");
    public static final Setting<String> ADAPTER = model("--adapter", "PEFT_MODEL_ID", SettingType.TEXT, null,
            "PEFT adapter folder or Hub id; 'none' for the bare model.");
    public static final Setting<String> TEMPLATE = model("--template", "PEFTBENCH_TEMPLATE", SettingType.TEXT,
            PromptTemplate.parse(null, null).spec(),
            "seed (\"{text column} : {input} Label : \"), raw, or a pattern with {input}.");
    public static final Setting<String> TEXT_COLUMN = model("--text-column", "DATASET_TEXT_COLUMN_NAME", SettingType.TEXT,
            PromptTemplate.DEFAULT_TEXT_COLUMN, "Text column of the seed template.");
    public static final Setting<ComputeType> DTYPE = model("--dtype", "PEFTBENCH_DTYPE",
            SettingType.engine(ComputeType::parse, ComputeType::label), ModelSpec.DEFAULT_DTYPE,
            "float32, bfloat16, int8 or q4 on the cpu backend (bfloat16: half the memory, about twice the speed; "
                    + "int8: 8-bit weights, q8_0 blocks quantized at load; q4: 4-bit q4_0 blocks); float16 or float32 on djl.");
    public static final Setting<Backend> BACKEND = model("--backend", "PEFTBENCH_BACKEND",
            SettingType.engine(Backend::parse, Setting::lower), ModelSpec.DEFAULT_BACKEND,
            "auto, cpu (Java Vector API) or djl (PyTorch).");
    public static final Setting<Device> DEVICE = model("--device", "PEFTBENCH_DEVICE",
            SettingType.engine(Device::parse, Setting::lower), ModelSpec.DEFAULT_DEVICE,
            "cpu or gpu (djl backend on CUDA).");

    // The server.
    public static final Setting<String> MODEL_NAME = server("--name", "MLSERVER_MODEL_NAME", SettingType.TEXT, "peft-demo",
            "Served model name.");
    /** Beside the one model: more names, each an adapter on the same base model (one copy of it in memory). */
    public static final Setting<List<NamedAdapter>> ADAPTERS = server("--adapters", "PEFTBENCH_ADAPTERS",
            SettingType.NAMED_ADAPTERS, List.of(),
            "More adapters on the same base model, each served under its name: NAME=DIR|HUB_ID,... (as vLLM's "
                    + "--lora-modules); a request picks one by naming it as its model; their folders may be loaded "
                    + "through the repository API too.");
    public static final Setting<String> HOST = server("--host", "MLSERVER_HOST", SettingType.TEXT, RuntimeContract.LOOPBACK,
            "Bind address; the default is this machine only, the runtime image sets " + RuntimeContract.ALL_INTERFACES + ".");
    public static final Setting<Integer> HTTP_PORT = server("--http-port", "MLSERVER_HTTP_PORT", SettingType.INTEGER,
            RuntimeContract.HTTP_PORT, "REST port, 0 = any free.");
    public static final Setting<Integer> GRPC_PORT = server("--grpc-port", "MLSERVER_GRPC_PORT", SettingType.INTEGER,
            RuntimeContract.GRPC_PORT, "gRPC port, 0 = any free.");
    public static final Setting<Integer> MMESH_PORT = server("--mmesh-port", "PEFTBENCH_MMESH_PORT", SettingType.INTEGER,
            RuntimeContract.MMESH_OFF, "off",
            "Serve ModelMesh's runtime SPI (mmesh.ModelRuntime) on this port, e.g. " + RuntimeContract.MMESH_PORT
                    + ", for a ServingRuntime without builtInAdapter; 0 = any free, " + RuntimeContract.MMESH_OFF + " = off.");
    public static final Setting<Integer> HEALTH_PORT = server("--health-port", "PEFTBENCH_HEALTH_PORT", SettingType.INTEGER,
            RuntimeContract.HEALTH_PORT_OFF, "off",
            "Also answer /v2/health/live, /v2/health/ready and /metrics on this port of their own, which connections to the "
                    + "other ports cannot crowd out; point Kubernetes probes here; 0 = any free, "
                    + RuntimeContract.HEALTH_PORT_OFF + " = off (the runtime image sets " + RuntimeContract.HEALTH_PORT + ").");
    /** -1: the server's own maximum, MAX_REQUEST_BYTES (MLServer's -1 under ModelMesh; never unbounded here). */
    public static final long GRPC_MAX_MESSAGE_OWN = -1;
    public static final Setting<Long> GRPC_MAX_MESSAGE_LENGTH = server("--grpc-max-message-length",
            "MLSERVER_GRPC_MAX_MESSAGE_LENGTH", SettingType.LONG, GRPC_MAX_MESSAGE_OWN, "-1, the largest request",
            "Largest gRPC request message in bytes, at most --max-request-bytes; -1 = --max-request-bytes, never unlimited.");
    public static final Setting<Boolean> LOAD_MODELS_AT_STARTUP = server("--load-models-at-startup",
            "MLSERVER_LOAD_MODELS_AT_STARTUP", SettingType.BOOLEAN, true,
            "false: register the configured models without loading them (ModelMesh loads through its SPI).");
    public static final Setting<Path> MODELS_DIR = server("--models-dir", "MLSERVER_MODELS_DIR", SettingType.PATH, null,
            "Folder with one sub-folder per model, each with model-settings.json.");
    public static final Setting<Duration> REQUEST_TIMEOUT = server("--request-timeout", "PEFTBENCH_REQUEST_TIMEOUT",
            SettingType.SECONDS, Duration.ofSeconds(120), "Seconds before a request is cancelled.");
    public static final Setting<Long> MAX_REQUEST_BYTES = server("--max-request-bytes", "PEFTBENCH_MAX_REQUEST_BYTES",
            SettingType.LONG, 16L * 1024 * 1024, "16 MiB", "Largest request in bytes: a REST body or a gRPC message, on every port.");
    /** In-flight request bytes unless given: this many largest requests at once. */
    public static final int DEFAULT_INFLIGHT_REQUESTS = 4;
    /** No default of its own: {@link #DEFAULT_INFLIGHT_REQUESTS} x MAX_REQUEST_BYTES (ServeConfig). */
    public static final Setting<Long> MAX_INFLIGHT_REQUEST_BYTES = server("--max-inflight-request-bytes",
            "PEFTBENCH_MAX_INFLIGHT_REQUEST_BYTES", SettingType.LONG, null,
            DEFAULT_INFLIGHT_REQUESTS + " x --max-request-bytes",
            "The bytes of all requests being received and answered at once, REST and gRPC together; a request beyond "
                    + "is refused with 503 / RESOURCE_EXHAUSTED.");
    public static final Setting<Integer> QUEUE_CAPACITY = server("--queue-capacity", "PEFTBENCH_QUEUE_CAPACITY",
            SettingType.INTEGER, EngineOptions.DEFAULT_QUEUE_CAPACITY, "Requests waiting in the engine queue before 503.");
    public static final Setting<Integer> MAX_PREFILL_TOKENS = engine("--max-prefill-tokens", "PEFTBENCH_MAX_PREFILL_TOKENS",
            SettingType.INTEGER, EngineOptions.DEFAULT_MAX_PREFILL_TOKENS,
            "Prompt positions prefilled per step; longer prompts are prefilled in chunks between decode steps, "
                    + "so running streams keep getting tokens.");
    public static final Setting<Integer> STEP_TARGET_MS = engine("--step-target-ms", "PEFTBENCH_STEP_TARGET_MS",
            SettingType.INTEGER, EngineOptions.DEFAULT_STEP_TARGET_MS,
            "While streams decode, size prompt chunks so that a step takes about this long, the streams' longest wait "
                    + "for a token while a prompt prefills; 0 = chunks of --max-prefill-tokens.");
    /** A tebibyte: more than any machine here would give the prefix cache, and far from overflowing in bytes. */
    public static final long MAX_PREFIX_CACHE_MIB = 1L << 20;
    public static final Setting<Long> PREFIX_CACHE_MIB = engine("--prefix-cache-mib", "PEFTBENCH_PREFIX_CACHE_MIB",
            SettingType.range(0, MAX_PREFIX_CACHE_MIB, "0 (off) to " + MAX_PREFIX_CACHE_MIB),
            EngineOptions.DEFAULT_PREFIX_CACHE_BYTES >> 20,
            "KV cache memory (MiB) kept for later prompts that start the same way (a system prompt, an adapter's virtual "
                    + "tokens, a chat's earlier turns), least recently used dropped first; 0 = off.");
    public static final Setting<String> API_KEY = server("--api-key", "PEFTBENCH_API_KEY", SettingType.TEXT, null,
            "Require 'Authorization: Bearer KEY' on every route but health and metrics "
                    + "(prefer --api-key-file: a flag shows in process listings).");
    /** A file holding the key (a mounted Kubernetes Secret), so that it shows in no process listing. */
    public static final Setting<Path> API_KEY_FILE = server("--api-key-file", "PEFTBENCH_API_KEY_FILE", SettingType.PATH, null,
            "Read the API key from this file, e.g. a mounted Kubernetes Secret.");
    public static final Setting<Boolean> PROTECT_PROBES = server("--protect-probes", "PEFTBENCH_PROTECT_PROBES",
            SettingType.BOOLEAN, false, "true: health and /metrics need the API key too.");
    public static final Setting<Boolean> TRUST_LOOPBACK = server("--trust-loopback", "PEFTBENCH_TRUST_LOOPBACK",
            SettingType.BOOLEAN, false,
            "true: callers on this machine's loopback need no API key, as ModelMesh calling the runtime inside its pod.");
    public static final Setting<Path> TLS_CERT = server("--tls-cert", "PEFTBENCH_TLS_CERT", SettingType.PATH, null,
            "PEM certificate chain: serve REST and gRPC over TLS (needs --tls-key).");
    public static final Setting<Path> TLS_KEY = server("--tls-key", "PEFTBENCH_TLS_KEY", SettingType.PATH, null,
            "PEM private key, PKCS#8.");
    public static final Setting<Boolean> REPOSITORY_API = server("--repository-api", "PEFTBENCH_REPOSITORY_API",
            SettingType.BOOLEAN, true, "false: refuse the repository API's load and unload.");
    /** Repeatable as a flag; the variable lists folders as a search path does. */
    public static final Setting<List<Path>> ALLOW_LOAD_FROM = server("--allow-load-from", "PEFTBENCH_ALLOW_LOAD_FROM",
            SettingType.FOLDERS, List.of(),
            "A folder the repository API may load from, besides the models dir, the Hugging Face cache and the "
                    + "startup models' folders; repeatable (the variable: folders separated by ':').");
    public static final Setting<Boolean> ALLOW_HUB_IDS = server("--allow-hub-ids", "PEFTBENCH_ALLOW_HUB_IDS",
            SettingType.BOOLEAN, true, "false: the repository API loads no Hub ids.");
    public static final Setting<Integer> MAX_MODELS = server("--max-models", "PEFTBENCH_MAX_MODELS", SettingType.INTEGER, 64,
            "Most model names registered at once.");
    public static final Setting<Integer> MAX_CONNECTIONS = server("--max-connections", "PEFTBENCH_MAX_CONNECTIONS",
            SettingType.INTEGER, 512, "Most connections open at once on each port, REST and gRPC; more wait in the listen backlog.");
    /** Flag only: how long a stopping pod waits is Kubernetes' terminationGracePeriodSeconds. */
    public static final Setting<Duration> SHUTDOWN_GRACE = server("--shutdown-grace", null, SettingType.SECONDS,
            Duration.ofSeconds(30), "Seconds to finish in-flight requests on shutdown.");

    private final String flag;
    private final String env;
    private final SettingType<T> type;
    private final T defaultValue;
    private final String shownDefault;
    private final String help;

    private Setting(String flag, String env, SettingType<T> type, T defaultValue, String shownDefault, String help) {
        this.flag = flag;
        this.env = env;
        this.type = type;
        this.defaultValue = defaultValue;
        this.shownDefault = shownDefault != null ? shownDefault
                : defaultValue == null || defaultValue instanceof List<?> l && l.isEmpty() ? null : type.write(defaultValue);
        this.help = help;
        ALL.add(this);
    }

    private static <T> Setting<T> model(String flag, String env, SettingType<T> type, T defaultValue, String help) {
        Setting<T> s = new Setting<>(flag, env, type, defaultValue, null, help);
        MODEL.add(s);
        return s;
    }

    private static <T> Setting<T> engine(String flag, String env, SettingType<T> type, T defaultValue, String help) {
        Setting<T> s = new Setting<>(flag, env, type, defaultValue, null, help);
        ENGINE.add(s);
        return s;
    }

    private static <T> Setting<T> server(String flag, String env, SettingType<T> type, T defaultValue, String help) {
        return new Setting<>(flag, env, type, defaultValue, null, help);
    }

    private static <T> Setting<T> server(String flag, String env, SettingType<T> type, T defaultValue, String shownDefault,
                                         String help) {
        return new Setting<>(flag, env, type, defaultValue, shownDefault, help);
    }

    /** Every setting, in declaration order: what {@code serve} takes. */
    public static List<Setting<?>> all() {
        return Collections.unmodifiableList(ALL);
    }

    /** The settings that say which model runs and how: what {@code generate} and {@code bench} take too. */
    public static List<Setting<?>> model() {
        return Collections.unmodifiableList(MODEL);
    }

    /** How the engine schedules prompts and keeps their caches: what {@code generate}, {@code bench} and {@code eval} take too. */
    public static List<Setting<?>> engine() {
        return Collections.unmodifiableList(ENGINE);
    }

    public String flag() {
        return flag;
    }

    /** The environment variable, or null for a flag-only setting. */
    public String env() {
        return env;
    }

    /** How messages name the setting: {@code --http-port / MLSERVER_HTTP_PORT}. */
    public String label() {
        return env == null ? flag : flag + " / " + env;
    }

    public SettingType<T> type() {
        return type;
    }

    /** What applies when neither the flag nor the variable is given; null = nothing (the setting is off or unset). */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as help shows it, or null when there is none. */
    public String shownDefault() {
        return shownDefault;
    }

    /** What the setting does, without its variable and default (help adds those). */
    public String help() {
        return help;
    }

    /** {@code text} as this setting's value; a refusal names {@code source}, the flag or variable it came from. */
    public T parse(String text, String source) {
        return type.parse(text, source);
    }

    /** {@code value} as text the setting parses again (an environment variable's value). */
    public String write(T value) {
        return type.write(value);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return flag;
    }
}
