package dev.peftbench.serve;

import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.RuntimeContract.Setting;
import dev.peftbench.serve.auth.AccessPolicy;
import dev.peftbench.serve.auth.ApiKey;
import dev.peftbench.serve.http.HttpLimits;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.serve.repository.ModelFields;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Everything {@code serve} needs, resolved flags > environment (the runtime's contract,
 * {@link RuntimeContract.Setting}) > model-settings.json (per model, in the repository) > defaults, and
 * validated here so that a bad value fails at start naming the flag and the variable. Start from
 * {@link #defaults()} and change what differs with the {@code with*} methods.
 *
 * @param modelName           served name of the single model given by flags/env
 * @param model               what flags/env say about the model (they win over model-settings.json)
 * @param mmeshPort           ModelMesh's runtime SPI (mmesh.ModelRuntime) port; -1 = off (the built-in adapter owns 8085)
 * @param healthPort          a port of its own for the health probes (and /metrics), which connections to the other
 *                            ports cannot crowd out; -1 = off (the runtime image sets {@link RuntimeContract#HEALTH_PORT})
 * @param grpcMaxMessageBytes largest gRPC request message; -1 = the server's own maximum, {@code maxRequestBytes}
 *                            (never unbounded: MLServer's -1 under ModelMesh means "no limit of its own")
 * @param maxRequestBytes     largest request: a REST body, a gRPC message (both gRPC ports)
 * @param maxInflightRequestBytes the bytes of all requests being received and answered at once ({@link RequestMemory});
 *                            at least {@code maxRequestBytes}
 * @param modelsDir           null = none; else one sub-folder per model with a model-settings.json
 * @param access              the API key and what it guards
 * @param tls                 null = plain TCP
 * @param loads               what the repository API may load
 * @param httpLimits          REST connection timeouts and count
 * @param maxPrefillTokens    prompt positions the engine prefills per step (longer prompts go in chunks)
 * @param stepTargetMs        how long a step with a prompt chunk should take while streams decode; 0 = off
 */
public record ServeConfig(String modelName, ModelFields model, String host, int httpPort, int grpcPort, int mmeshPort, int healthPort,
                          long grpcMaxMessageBytes, boolean loadModelsAtStartup, Path modelsDir,
                          Duration requestTimeout, long maxRequestBytes, long maxInflightRequestBytes, int queueCapacity,
                          Duration shutdownGrace,
                          AccessPolicy access, TlsFiles tls, LoadPolicy loads, HttpLimits httpLimits,
                          int maxPrefillTokens, int stepTargetMs) {

    /** The gRPC message limit that follows {@code --max-request-bytes}. */
    public static final long GRPC_MAX_MESSAGE_OWN = -1;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final long DEFAULT_MAX_REQUEST_BYTES = 16L * 1024 * 1024;
    /** The in-flight request bytes unless given: four largest requests at once. */
    public static final int DEFAULT_INFLIGHT_REQUESTS = 4;
    public static final int DEFAULT_QUEUE_CAPACITY = 64;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final int MMESH_OFF = -1;
    public static final int HEALTH_PORT_OFF = -1;

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
        if (healthPort < HEALTH_PORT_OFF || healthPort > 65535) {
            throw new IllegalArgumentException(Setting.HEALTH_PORT.label() + " must be a port, 0 (any free) or -1 (off), got " + healthPort);
        }
        if (healthPort > 0 && (healthPort == httpPort || healthPort == grpcPort || healthPort == mmeshPort)) {
            throw new IllegalArgumentException(Setting.HEALTH_PORT.label() + " must differ from the HTTP, gRPC and ModelMesh ports, got "
                    + healthPort);
        }
        if (grpcMaxMessageBytes < -1 || grpcMaxMessageBytes == 0) {
            throw new IllegalArgumentException(Setting.GRPC_MAX_MESSAGE_LENGTH.label() + " must be > 0 or -1 (the server's own "
                    + "maximum, " + Setting.MAX_REQUEST_BYTES.label() + "), got " + grpcMaxMessageBytes);
        }
        if (grpcMaxMessageBytes > maxRequestBytes) {
            throw new IllegalArgumentException(Setting.GRPC_MAX_MESSAGE_LENGTH.label() + " " + grpcMaxMessageBytes
                    + " is above " + Setting.MAX_REQUEST_BYTES.label() + " " + maxRequestBytes + ", the largest request this "
                    + "server takes: raise that one (REST bodies and gRPC messages share it) or give -1");
        }
        if (requestTimeout == null || requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException(Setting.REQUEST_TIMEOUT.label() + " must be > 0 seconds, got " + requestTimeout);
        }
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException(Setting.MAX_REQUEST_BYTES.label() + " must be >= 1, got " + maxRequestBytes);
        }
        if (maxInflightRequestBytes < maxRequestBytes) {
            throw new IllegalArgumentException(Setting.MAX_INFLIGHT_REQUEST_BYTES.label() + " must be at least "
                    + Setting.MAX_REQUEST_BYTES.label() + " (" + maxRequestBytes + "), or the largest request could never be "
                    + "taken; got " + maxInflightRequestBytes);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException(Setting.QUEUE_CAPACITY.label() + " must be >= 1 (requests that may wait), got " + queueCapacity);
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException(Setting.SHUTDOWN_GRACE.label() + " must be >= 0 seconds, got " + shutdownGrace);
        }
        access = access == null ? AccessPolicy.OPEN : access;
        loads = loads == null ? LoadPolicy.DEFAULT : loads;
        httpLimits = httpLimits == null ? HttpLimits.DEFAULT : httpLimits;
        if (maxPrefillTokens < 1) {
            throw new IllegalArgumentException(Setting.MAX_PREFILL_TOKENS.label() + " must be >= 1, got " + maxPrefillTokens);
        }
        if (stepTargetMs < 0) {
            throw new IllegalArgumentException(Setting.STEP_TARGET_MS.label() + " must be >= 0 (0 = off), got " + stepTargetMs);
        }
    }

    /** The runtime's defaults: the reference ports on this machine only, no model yet, no key, ModelMesh's SPI off. */
    public static ServeConfig defaults() {
        return new ServeConfig(RuntimeContract.DEFAULT_MODEL_NAME, ModelFields.NONE, RuntimeContract.LOOPBACK,
                RuntimeContract.HTTP_PORT, RuntimeContract.GRPC_PORT, MMESH_OFF, HEALTH_PORT_OFF, GRPC_MAX_MESSAGE_OWN, true,
                null, DEFAULT_TIMEOUT, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_INFLIGHT_REQUESTS * DEFAULT_MAX_REQUEST_BYTES,
                DEFAULT_QUEUE_CAPACITY, DEFAULT_SHUTDOWN_GRACE, AccessPolicy.OPEN, null, LoadPolicy.DEFAULT, HttpLimits.DEFAULT,
                EngineOptions.DEFAULT_MAX_PREFILL_TOKENS, EngineOptions.DEFAULT_STEP_TARGET_MS);
    }

    /**
     * Flags over environment over defaults. {@code flags} holds each flag as the user typed it, so a bad
     * value gets the same message from a flag and from its variable.
     */
    public static ServeConfig resolve(Map<Setting, String> flags, Map<String, String> env) {
        Sources s = new Sources(flags, env);
        ServeConfig d = defaults();
        long maxRequestBytes = s.get(Setting.MAX_REQUEST_BYTES, Long::parseLong, "an integer", d.maxRequestBytes);
        AccessPolicy access = new AccessPolicy(apiKey(s),
                s.get(Setting.PROTECT_PROBES, Sources::bool, "true or false", false),
                s.get(Setting.TRUST_LOOPBACK, Sources::bool, "true or false", false));
        Path cert = s.get(Setting.TLS_CERT, Path::of, "a file", null);
        Path key = s.get(Setting.TLS_KEY, Path::of, "a file", null);
        LoadPolicy loads = new LoadPolicy(
                s.get(Setting.REPOSITORY_API, Sources::bool, "true or false", true),
                s.get(Setting.ALLOW_LOAD_FROM, Sources::paths, "folders separated by '" + File.pathSeparator + "'", List.of()),
                s.get(Setting.ALLOW_HUB_IDS, Sources::bool, "true or false", true),
                s.get(Setting.MAX_MODELS, Integer::parseInt, "an integer", LoadPolicy.DEFAULT_MAX_MODELS));
        return new ServeConfig(
                s.get(Setting.MODEL_NAME, Function.identity(), "a name", d.modelName),
                ModelFields.resolve(ModelFields.fromFlags(flags), env, ModelFields.NONE, ModelFields.NONE),
                s.get(Setting.HOST, Function.identity(), "an address", d.host),
                s.get(Setting.HTTP_PORT, Integer::parseInt, "an integer", d.httpPort),
                s.get(Setting.GRPC_PORT, Integer::parseInt, "an integer", d.grpcPort),
                s.get(Setting.MMESH_PORT, Integer::parseInt, "an integer", d.mmeshPort),
                s.get(Setting.HEALTH_PORT, Integer::parseInt, "an integer", d.healthPort),
                s.get(Setting.GRPC_MAX_MESSAGE_LENGTH, Long::parseLong, "an integer", d.grpcMaxMessageBytes),
                s.get(Setting.LOAD_MODELS_AT_STARTUP, Sources::bool, "true or false", d.loadModelsAtStartup),
                s.get(Setting.MODELS_DIR, Path::of, "a folder", d.modelsDir),
                s.get(Setting.REQUEST_TIMEOUT, Sources::seconds, "a number of seconds", d.requestTimeout),
                maxRequestBytes,
                s.get(Setting.MAX_INFLIGHT_REQUEST_BYTES, Long::parseLong, "an integer", DEFAULT_INFLIGHT_REQUESTS * maxRequestBytes),
                s.get(Setting.QUEUE_CAPACITY, Integer::parseInt, "an integer", d.queueCapacity),
                s.get(Setting.SHUTDOWN_GRACE, Sources::seconds, "a number of seconds", d.shutdownGrace),
                access, cert == null && key == null ? null : new TlsFiles(cert, key), loads,
                d.httpLimits.withMaxConnections(s.get(Setting.MAX_CONNECTIONS, Integer::parseInt, "an integer",
                        d.httpLimits.maxConnections())),
                s.get(Setting.MAX_PREFILL_TOKENS, Integer::parseInt, "an integer", d.maxPrefillTokens),
                s.get(Setting.STEP_TARGET_MS, Integer::parseInt, "an integer", d.stepTargetMs));
    }

    /** The key from {@code --api-key} or the file {@code --api-key-file} names (not both); null when neither. */
    private static ApiKey apiKey(Sources s) {
        String key = s.get(Setting.API_KEY, Function.identity(), "a key", null);
        Path file = s.get(Setting.API_KEY_FILE, Path::of, "a file", null);
        if (key != null && file != null) {
            throw new IllegalArgumentException("give the API key once: " + Setting.API_KEY.label() + " or "
                    + Setting.API_KEY_FILE.label() + ", not both");
        }
        if (key != null) {
            return ApiKey.of(key, Setting.API_KEY.label());
        }
        if (file == null) {
            return null;
        }
        try {
            return ApiKey.of(Files.readString(file).strip(), Setting.API_KEY_FILE.label() + " " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException(Setting.API_KEY_FILE.label() + ": " + file + " is not a readable text file");
        }
    }

    /** Serves {@code fields} under {@code name} (the single model of flags/env). */
    public ServeConfig withModel(String name, ModelFields fields) {
        return edit(b -> {
            b.modelName = name;
            b.model = fields;
        });
    }

    public ServeConfig withHost(String newHost) {
        return edit(b -> b.host = newHost);
    }

    /** REST and v2 gRPC ports; 0 = any free port. */
    public ServeConfig withPorts(int newHttpPort, int newGrpcPort) {
        return edit(b -> {
            b.httpPort = newHttpPort;
            b.grpcPort = newGrpcPort;
        });
    }

    /** Also answers the health probes (and /metrics) on this port of their own (0 = any free); {@link #HEALTH_PORT_OFF} = not. */
    public ServeConfig withHealthPort(int port) {
        return edit(b -> b.healthPort = port);
    }

    /** Also answers ModelMesh's runtime SPI on this port (0 = any free); {@link #MMESH_OFF} = not. */
    public ServeConfig withMmeshPort(int port) {
        return edit(b -> b.mmeshPort = port);
    }

    /** The largest gRPC request message, on both gRPC ports: {@link #grpcMaxMessageBytes}, or the request limit for -1. */
    public long grpcInboundLimit() {
        return grpcMaxMessageBytes == GRPC_MAX_MESSAGE_OWN ? maxRequestBytes : grpcMaxMessageBytes;
    }

    public ServeConfig withGrpcMaxMessageBytes(long bytes) {
        return edit(b -> b.grpcMaxMessageBytes = bytes);
    }

    public ServeConfig withLoadModelsAtStartup(boolean load) {
        return edit(b -> b.loadModelsAtStartup = load);
    }

    public ServeConfig withRequestTimeout(Duration timeout) {
        return edit(b -> b.requestTimeout = timeout);
    }

    /** The largest request; the in-flight bytes grow to hold {@value #DEFAULT_INFLIGHT_REQUESTS} of them when they held fewer. */
    public ServeConfig withMaxRequestBytes(long bytes) {
        return edit(b -> {
            b.maxRequestBytes = bytes;
            b.maxInflightRequestBytes = Math.max(b.maxInflightRequestBytes, DEFAULT_INFLIGHT_REQUESTS * bytes);
        });
    }

    public ServeConfig withMaxInflightRequestBytes(long bytes) {
        return edit(b -> b.maxInflightRequestBytes = bytes);
    }

    public ServeConfig withQueueCapacity(int capacity) {
        return edit(b -> b.queueCapacity = capacity);
    }

    public ServeConfig withShutdownGrace(Duration grace) {
        return edit(b -> b.shutdownGrace = grace);
    }

    public ServeConfig withAccess(AccessPolicy policy) {
        return edit(b -> b.access = policy);
    }

    public ServeConfig withTls(TlsFiles files) {
        return edit(b -> b.tls = files);
    }

    public ServeConfig withLoads(LoadPolicy policy) {
        return edit(b -> b.loads = policy);
    }

    public ServeConfig withHttpLimits(HttpLimits limits) {
        return edit(b -> b.httpLimits = limits);
    }

    /** Prompt positions the engine prefills per step. */
    public ServeConfig withMaxPrefillTokens(int tokens) {
        return edit(b -> b.maxPrefillTokens = tokens);
    }

    private ServeConfig edit(java.util.function.Consumer<Parts> change) {
        Parts b = new Parts(this);
        change.accept(b);
        return new ServeConfig(b.modelName, b.model, b.host, b.httpPort, b.grpcPort, b.mmeshPort, b.healthPort, b.grpcMaxMessageBytes,
                b.loadModelsAtStartup, b.modelsDir, b.requestTimeout, b.maxRequestBytes, b.maxInflightRequestBytes, b.queueCapacity,
                b.shutdownGrace, b.access, b.tls, b.loads, b.httpLimits, b.maxPrefillTokens, b.stepTargetMs);
    }

    /** The components while one {@code with*} changes some; validated again when rebuilt. */
    private static final class Parts {
        String modelName;
        ModelFields model;
        String host;
        int httpPort;
        int grpcPort;
        int mmeshPort;
        int healthPort;
        long grpcMaxMessageBytes;
        boolean loadModelsAtStartup;
        Path modelsDir;
        Duration requestTimeout;
        long maxRequestBytes;
        long maxInflightRequestBytes;
        int queueCapacity;
        Duration shutdownGrace;
        AccessPolicy access;
        TlsFiles tls;
        LoadPolicy loads;
        HttpLimits httpLimits;
        int maxPrefillTokens;
        int stepTargetMs;

        Parts(ServeConfig c) {
            modelName = c.modelName;
            model = c.model;
            host = c.host;
            httpPort = c.httpPort;
            grpcPort = c.grpcPort;
            mmeshPort = c.mmeshPort;
            healthPort = c.healthPort;
            grpcMaxMessageBytes = c.grpcMaxMessageBytes;
            loadModelsAtStartup = c.loadModelsAtStartup;
            modelsDir = c.modelsDir;
            requestTimeout = c.requestTimeout;
            maxRequestBytes = c.maxRequestBytes;
            maxInflightRequestBytes = c.maxInflightRequestBytes;
            queueCapacity = c.queueCapacity;
            shutdownGrace = c.shutdownGrace;
            access = c.access;
            tls = c.tls;
            loads = c.loads;
            httpLimits = c.httpLimits;
            maxPrefillTokens = c.maxPrefillTokens;
            stepTargetMs = c.stepTargetMs;
        }
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

        /** Folders as a search path lists them ({@code a:b}); each must exist. */
        static List<Path> paths(String v) {
            List<Path> out = new ArrayList<>();
            for (String part : v.split(Pattern.quote(File.pathSeparator))) {
                if (!part.isBlank()) {
                    Path p = Path.of(part.trim());
                    if (!Files.isDirectory(p)) {
                        throw new IllegalArgumentException(part);
                    }
                    out.add(p);
                }
            }
            return out;
        }
    }
}
