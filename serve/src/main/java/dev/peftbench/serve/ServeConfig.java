package dev.peftbench.serve;

import dev.peftbench.serve.RuntimeContract.Setting;
import dev.peftbench.serve.repository.ModelFields;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything {@code serve} needs, resolved flags > environment (the runtime's contract,
 * {@link RuntimeContract.Setting}) > model-settings.json (per model, in the repository) > defaults, and
 * validated here so that a bad value fails at start naming the flag and the variable. Start from
 * {@link #defaults()} and change what differs with the {@code with*} methods.
 *
 * @param modelName           served name of the single model given by flags/env
 * @param model               what flags/env say about the model (they win over model-settings.json)
 * @param mmeshPort           ModelMesh's runtime SPI (mmesh.ModelRuntime) port; -1 = off (the built-in adapter owns 8085)
 * @param grpcMaxMessageBytes -1 = unlimited
 * @param modelsDir           null = none; else one sub-folder per model with a model-settings.json
 */
public record ServeConfig(String modelName, ModelFields model, String host, int httpPort, int grpcPort, int mmeshPort,
                          long grpcMaxMessageBytes, boolean loadModelsAtStartup, Path modelsDir,
                          Duration requestTimeout, long maxRequestBytes, int queueCapacity, Duration shutdownGrace) {

    public static final long DEFAULT_GRPC_MAX_MESSAGE_BYTES = 100L * 1024 * 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final long DEFAULT_MAX_REQUEST_BYTES = 16L * 1024 * 1024;
    public static final int DEFAULT_QUEUE_CAPACITY = 64;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final int MMESH_OFF = -1;

    public ServeConfig {
        if (modelName == null || modelName.isBlank() || modelName.contains("/")) {
            throw new IllegalArgumentException(Setting.MODEL_NAME.label() + " must be a non-empty name without '/', got '" + modelName + "'");
        }
        model = model == null ? ModelFields.NONE : model;
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(Setting.HOST.label() + " must not be empty");
        }
        checkPort(Setting.HTTP_PORT, httpPort);
        checkPort(Setting.GRPC_PORT, grpcPort);
        if (mmeshPort < MMESH_OFF || mmeshPort > 65535) {
            throw new IllegalArgumentException(Setting.MMESH_PORT.label() + " must be a port, 0 (any free) or -1 (off), got " + mmeshPort);
        }
        if (httpPort != 0 && httpPort == grpcPort) {
            throw new IllegalArgumentException(Setting.HTTP_PORT.label() + " and " + Setting.GRPC_PORT.label()
                    + " must differ, both are " + httpPort);
        }
        if (mmeshPort > 0 && (mmeshPort == httpPort || mmeshPort == grpcPort)) {
            throw new IllegalArgumentException(Setting.MMESH_PORT.label() + " must differ from the HTTP and gRPC ports, got " + mmeshPort);
        }
        if (grpcMaxMessageBytes < -1 || grpcMaxMessageBytes == 0) {
            throw new IllegalArgumentException(Setting.GRPC_MAX_MESSAGE_LENGTH.label() + " must be > 0 or -1 (unlimited), got " + grpcMaxMessageBytes);
        }
        if (requestTimeout == null || requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException(Setting.REQUEST_TIMEOUT.label() + " must be > 0 seconds, got " + requestTimeout);
        }
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException(Setting.MAX_REQUEST_BYTES.label() + " must be >= 1, got " + maxRequestBytes);
        }
        if (queueCapacity < 0) {
            throw new IllegalArgumentException(Setting.QUEUE_CAPACITY.label() + " must be >= 0, got " + queueCapacity);
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException(Setting.SHUTDOWN_GRACE.label() + " must be >= 0 seconds, got " + shutdownGrace);
        }
    }

    /** The runtime's defaults: the reference ports on every interface, no model yet, ModelMesh's SPI off. */
    public static ServeConfig defaults() {
        return new ServeConfig(RuntimeContract.DEFAULT_MODEL_NAME, ModelFields.NONE, RuntimeContract.ALL_INTERFACES,
                RuntimeContract.HTTP_PORT, RuntimeContract.GRPC_PORT, MMESH_OFF, DEFAULT_GRPC_MAX_MESSAGE_BYTES, true,
                null, DEFAULT_TIMEOUT, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_QUEUE_CAPACITY, DEFAULT_SHUTDOWN_GRACE);
    }

    /**
     * Flags over environment over defaults. {@code flags} holds each flag as the user typed it, so a bad
     * value gets the same message from a flag and from its variable.
     */
    public static ServeConfig resolve(Map<Setting, String> flags, Map<String, String> env) {
        Sources s = new Sources(flags, env);
        ServeConfig d = defaults();
        return new ServeConfig(
                s.get(Setting.MODEL_NAME, Function.identity(), "a name", d.modelName),
                ModelFields.resolve(ModelFields.fromFlags(flags), env, ModelFields.NONE, ModelFields.NONE),
                s.get(Setting.HOST, Function.identity(), "an address", d.host),
                s.get(Setting.HTTP_PORT, Integer::parseInt, "an integer", d.httpPort),
                s.get(Setting.GRPC_PORT, Integer::parseInt, "an integer", d.grpcPort),
                s.get(Setting.MMESH_PORT, Integer::parseInt, "an integer", d.mmeshPort),
                s.get(Setting.GRPC_MAX_MESSAGE_LENGTH, Long::parseLong, "an integer", d.grpcMaxMessageBytes),
                s.get(Setting.LOAD_MODELS_AT_STARTUP, Sources::bool, "true or false", d.loadModelsAtStartup),
                s.get(Setting.MODELS_DIR, Path::of, "a folder", d.modelsDir),
                s.get(Setting.REQUEST_TIMEOUT, Sources::seconds, "a number of seconds", d.requestTimeout),
                s.get(Setting.MAX_REQUEST_BYTES, Long::parseLong, "an integer", d.maxRequestBytes),
                s.get(Setting.QUEUE_CAPACITY, Integer::parseInt, "an integer", d.queueCapacity),
                s.get(Setting.SHUTDOWN_GRACE, Sources::seconds, "a number of seconds", d.shutdownGrace));
    }

    /** Serves {@code fields} under {@code name} (the single model of flags/env). */
    public ServeConfig withModel(String name, ModelFields fields) {
        return new ServeConfig(name, fields, host, httpPort, grpcPort, mmeshPort, grpcMaxMessageBytes,
                loadModelsAtStartup, modelsDir, requestTimeout, maxRequestBytes, queueCapacity, shutdownGrace);
    }

    public ServeConfig withHost(String newHost) {
        return new ServeConfig(modelName, model, newHost, httpPort, grpcPort, mmeshPort, grpcMaxMessageBytes,
                loadModelsAtStartup, modelsDir, requestTimeout, maxRequestBytes, queueCapacity, shutdownGrace);
    }

    /** REST and v2 gRPC ports; 0 = any free port. */
    public ServeConfig withPorts(int newHttpPort, int newGrpcPort) {
        return new ServeConfig(modelName, model, host, newHttpPort, newGrpcPort, mmeshPort, grpcMaxMessageBytes,
                loadModelsAtStartup, modelsDir, requestTimeout, maxRequestBytes, queueCapacity, shutdownGrace);
    }

    /** Also answers ModelMesh's runtime SPI on this port (0 = any free); {@link #MMESH_OFF} = not. */
    public ServeConfig withMmeshPort(int port) {
        return new ServeConfig(modelName, model, host, httpPort, grpcPort, port, grpcMaxMessageBytes,
                loadModelsAtStartup, modelsDir, requestTimeout, maxRequestBytes, queueCapacity, shutdownGrace);
    }

    public ServeConfig withGrpcMaxMessageBytes(long bytes) {
        return new ServeConfig(modelName, model, host, httpPort, grpcPort, mmeshPort, bytes,
                loadModelsAtStartup, modelsDir, requestTimeout, maxRequestBytes, queueCapacity, shutdownGrace);
    }

    public ServeConfig withLoadModelsAtStartup(boolean load) {
        return new ServeConfig(modelName, model, host, httpPort, grpcPort, mmeshPort, grpcMaxMessageBytes,
                load, modelsDir, requestTimeout, maxRequestBytes, queueCapacity, shutdownGrace);
    }

    public ServeConfig withModelsDir(Path dir) {
        return new ServeConfig(modelName, model, host, httpPort, grpcPort, mmeshPort, grpcMaxMessageBytes,
                loadModelsAtStartup, dir, requestTimeout, maxRequestBytes, queueCapacity, shutdownGrace);
    }

    public ServeConfig withRequestTimeout(Duration timeout) {
        return new ServeConfig(modelName, model, host, httpPort, grpcPort, mmeshPort, grpcMaxMessageBytes,
                loadModelsAtStartup, modelsDir, timeout, maxRequestBytes, queueCapacity, shutdownGrace);
    }

    public ServeConfig withMaxRequestBytes(long bytes) {
        return new ServeConfig(modelName, model, host, httpPort, grpcPort, mmeshPort, grpcMaxMessageBytes,
                loadModelsAtStartup, modelsDir, requestTimeout, bytes, queueCapacity, shutdownGrace);
    }

    public ServeConfig withQueueCapacity(int capacity) {
        return new ServeConfig(modelName, model, host, httpPort, grpcPort, mmeshPort, grpcMaxMessageBytes,
                loadModelsAtStartup, modelsDir, requestTimeout, maxRequestBytes, capacity, shutdownGrace);
    }

    public ServeConfig withShutdownGrace(Duration grace) {
        return new ServeConfig(modelName, model, host, httpPort, grpcPort, mmeshPort, grpcMaxMessageBytes,
                loadModelsAtStartup, modelsDir, requestTimeout, maxRequestBytes, queueCapacity, grace);
    }

    private static void checkPort(Setting setting, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(setting.label() + " must be between 0 and 65535 (0 = any free port), got " + port);
        }
    }

    /** A setting's flag, else its variable, parsed; a value that does not parse names where it came from. */
    private record Sources(Map<Setting, String> flags, Map<String, String> env) {

        <T> T get(Setting setting, Function<String, T> parser, String expected, T fallback) {
            String flag = text(flags.get(setting));
            String from = flag != null ? setting.flag() : setting.env();
            String value = flag != null ? flag : setting.env() == null ? null : text(env.get(setting.env()));
            if (value == null) {
                return fallback;
            }
            try {
                return parser.apply(value);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(from + " must be " + expected + ", got '" + value + "'");
            }
        }

        private static String text(String v) {
            return v == null || v.isBlank() ? null : v.trim();
        }

        static boolean bool(String v) {
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> throw new IllegalArgumentException(v);
            };
        }

        static Duration seconds(String v) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
    }
}
