package dev.peftbench.serve;

import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.repository.ModelFields;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything {@code serve} needs, resolved flags > environment (the reference runtime's MLServer
 * names) > model-settings.json (per model, in the repository) > defaults (design.md "Configuration"),
 * and validated here so that a bad value fails at start naming the flag and the variable.
 *
 * @param modelName           served name of the single model given by flags/env
 * @param model               base model, adapter, template, text column from flags/env (they win over model-settings.json)
 * @param grpcMaxMessageBytes -1 = unlimited
 * @param modelsDir           null = none; else one sub-folder per model with a model-settings.json
 * @param mmeshPort           ModelMesh's runtime SPI (mmesh.ModelRuntime) port; -1 = off (the built-in adapter owns 8085)
 * @param maxPrefillTokens    prompt positions the engine prefills per step (longer prompts go in chunks)
 */
public record ServeConfig(String modelName, ModelFields model, String host, int httpPort, int grpcPort,
                          long grpcMaxMessageBytes, boolean loadModelsAtStartup, Path modelsDir,
                          Duration requestTimeout, long maxRequestBytes, int queueCapacity, Duration shutdownGrace,
                          int mmeshPort, int maxPrefillTokens) {

    public static final String DEFAULT_MODEL_NAME = "peft-demo";
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_HTTP_PORT = 8002;
    public static final int DEFAULT_GRPC_PORT = 8001;
    public static final long DEFAULT_GRPC_MAX_MESSAGE_BYTES = 100L * 1024 * 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final long DEFAULT_MAX_REQUEST_BYTES = 16L * 1024 * 1024;
    public static final int DEFAULT_QUEUE_CAPACITY = 64;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    public ServeConfig {
        if (modelName == null || modelName.isBlank() || modelName.contains("/")) {
            throw new IllegalArgumentException("--name / MLSERVER_MODEL_NAME must be a non-empty name without '/', got '" + modelName + "'");
        }
        model = model == null ? ModelFields.NONE : model;
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host / MLSERVER_HOST must not be empty");
        }
        checkPort("--http-port / MLSERVER_HTTP_PORT", httpPort);
        checkPort("--grpc-port / MLSERVER_GRPC_PORT", grpcPort);
        if (httpPort != 0 && httpPort == grpcPort) {
            throw new IllegalArgumentException("--http-port and --grpc-port (MLSERVER_HTTP_PORT, MLSERVER_GRPC_PORT) must differ, both are " + httpPort);
        }
        if (grpcMaxMessageBytes < -1 || grpcMaxMessageBytes == 0) {
            throw new IllegalArgumentException("--grpc-max-message-length / MLSERVER_GRPC_MAX_MESSAGE_LENGTH must be > 0 or -1 (unlimited), got " + grpcMaxMessageBytes);
        }
        if (requestTimeout == null || requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException("--request-timeout / PEFTBENCH_REQUEST_TIMEOUT must be > 0 seconds, got " + requestTimeout);
        }
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException("--max-request-bytes / PEFTBENCH_MAX_REQUEST_BYTES must be >= 1, got " + maxRequestBytes);
        }
        if (queueCapacity < 0) {
            throw new IllegalArgumentException("--queue-capacity / PEFTBENCH_QUEUE_CAPACITY must be >= 0, got " + queueCapacity);
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("--shutdown-grace must be >= 0 seconds, got " + shutdownGrace);
        }
        if (mmeshPort < -1 || mmeshPort > 65535) {
            throw new IllegalArgumentException("--mmesh-port / PEFTBENCH_MMESH_PORT must be a port, 0 (any free) or -1 (off), got " + mmeshPort);
        }
        if (maxPrefillTokens < 1) {
            throw new IllegalArgumentException("--max-prefill-tokens / PEFTBENCH_MAX_PREFILL_TOKENS must be >= 1, got " + maxPrefillTokens);
        }
    }

    /** With the engine's default prefill budget (servers started from the workbench). */
    public ServeConfig(String modelName, ModelFields model, String host, int httpPort, int grpcPort,
                       long grpcMaxMessageBytes, boolean loadModelsAtStartup, Path modelsDir,
                       Duration requestTimeout, long maxRequestBytes, int queueCapacity, Duration shutdownGrace,
                       int mmeshPort) {
        this(modelName, model, host, httpPort, grpcPort, grpcMaxMessageBytes, loadModelsAtStartup, modelsDir, requestTimeout,
                maxRequestBytes, queueCapacity, shutdownGrace, mmeshPort, EngineOptions.DEFAULT_MAX_PREFILL_TOKENS);
    }

    /** What the command line said; null = not given. */
    public record Flags(String modelName, String baseModel, String adapter, String template, String textColumn,
                        String host, Integer httpPort, Integer grpcPort, Long grpcMaxMessageBytes,
                        Boolean loadModelsAtStartup, Path modelsDir, Integer requestTimeoutSeconds,
                        Long maxRequestBytes, Integer queueCapacity, Integer shutdownGraceSeconds, Integer mmeshPort,
                        Integer maxPrefillTokens) {
        public static final Flags NONE = new Flags(null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null);
    }

    /** Flags over environment over defaults. */
    public static ServeConfig resolve(Flags f, Map<String, String> env) {
        Env e = new Env(env);
        ModelFields fromFlags = new ModelFields(f.baseModel(), f.adapter(), f.template(), f.textColumn(), null);
        ModelFields fromEnv = new ModelFields(e.text("PRETRAINED_MODEL_PATH"), e.text("PEFT_MODEL_ID"),
                e.text("PEFTBENCH_TEMPLATE"), e.text("DATASET_TEXT_COLUMN_NAME"), null);
        return new ServeConfig(
                first(f.modelName(), e.text("MLSERVER_MODEL_NAME"), DEFAULT_MODEL_NAME),
                fromFlags.orElse(fromEnv),
                first(f.host(), e.text("MLSERVER_HOST"), DEFAULT_HOST),
                first(f.httpPort(), e.parse("MLSERVER_HTTP_PORT", Integer::parseInt, "an integer"), DEFAULT_HTTP_PORT),
                first(f.grpcPort(), e.parse("MLSERVER_GRPC_PORT", Integer::parseInt, "an integer"), DEFAULT_GRPC_PORT),
                first(f.grpcMaxMessageBytes(), e.parse("MLSERVER_GRPC_MAX_MESSAGE_LENGTH", Long::parseLong, "an integer"),
                        DEFAULT_GRPC_MAX_MESSAGE_BYTES),
                first(f.loadModelsAtStartup(), e.parse("MLSERVER_LOAD_MODELS_AT_STARTUP", Env::bool, "true or false"), true),
                first(f.modelsDir(), e.parse("MLSERVER_MODELS_DIR", Path::of, "a folder"), null),
                Duration.ofSeconds(first(f.requestTimeoutSeconds(),
                        e.parse("PEFTBENCH_REQUEST_TIMEOUT", Integer::parseInt, "seconds"), (int) DEFAULT_TIMEOUT.toSeconds())),
                first(f.maxRequestBytes(), e.parse("PEFTBENCH_MAX_REQUEST_BYTES", Long::parseLong, "an integer"),
                        DEFAULT_MAX_REQUEST_BYTES),
                first(f.queueCapacity(), e.parse("PEFTBENCH_QUEUE_CAPACITY", Integer::parseInt, "an integer"),
                        DEFAULT_QUEUE_CAPACITY),
                Duration.ofSeconds(first(f.shutdownGraceSeconds(), null, (int) DEFAULT_SHUTDOWN_GRACE.toSeconds())),
                first(f.mmeshPort(), e.parse("PEFTBENCH_MMESH_PORT", Integer::parseInt, "an integer"), -1),
                first(f.maxPrefillTokens(), e.parse("PEFTBENCH_MAX_PREFILL_TOKENS", Integer::parseInt, "an integer"),
                        EngineOptions.DEFAULT_MAX_PREFILL_TOKENS));
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be between 0 and 65535 (0 = any free port), got " + port);
        }
    }

    /** Environment lookups whose parse errors name the variable. */
    private record Env(Map<String, String> vars) {
        String text(String name) {
            String v = vars.get(name);
            return v == null || v.isBlank() ? null : v.trim();
        }

        <T> T parse(String name, Function<String, T> parser, String expected) {
            String v = text(name);
            if (v == null) {
                return null;
            }
            try {
                return parser.apply(v);
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(name + " must be " + expected + ", got '" + v + "'");
            }
        }

        static Boolean bool(String v) {
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> throw new IllegalArgumentException(v);
            };
        }
    }
}
