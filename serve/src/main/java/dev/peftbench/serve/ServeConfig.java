package dev.peftbench.serve;

import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.NamedAdapter;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.Setting;
import dev.peftbench.contract.SettingValues;
import dev.peftbench.serve.auth.AccessPolicy;
import dev.peftbench.serve.auth.ApiKey;
import dev.peftbench.serve.http.HttpLimits;
import dev.peftbench.serve.repository.LoadPolicy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything {@code serve} needs, each setting resolved flags > environment > its declared default
 * ({@link Setting}, {@link SettingValues}) and validated here, so that a bad value fails at start naming
 * the flag and the variable. The model is what the runtime's own flags and environment say; each model's
 * final fields are {@link ModelChoice}'s answer for the entry point that loads it. Start from
 * {@link #defaults()} and change what differs with the {@code with*} methods.
 *
 * @param modelName           served name of the single model given by flags/env
 * @param model               what flags/env say about the model ({@link ModelChoice#runtime})
 * @param mmeshPort           ModelMesh's runtime SPI (mmesh.ModelRuntime) port; {@link RuntimeContract#MMESH_OFF} = off
 *                            (the built-in adapter owns 8085)
 * @param healthPort          a port of its own for the health probes (and /metrics), which connections to the other
 *                            ports cannot crowd out; {@link RuntimeContract#HEALTH_PORT_OFF} = off (the runtime image
 *                            sets {@link RuntimeContract#HEALTH_PORT})
 * @param grpcMaxMessageBytes largest gRPC request message; {@link Setting#GRPC_MAX_MESSAGE_OWN} = the server's own
 *                            maximum, {@code maxRequestBytes} (never unbounded: MLServer's -1 under ModelMesh means "no
 *                            limit of its own")
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
 * @param prefixCacheMib      KV cache blocks no request uses kept for later prompts that start the same way; 0 = off
 * @param adapters            more names, each an adapter on the runtime's base model ({@link Setting#ADAPTERS})
 */
public record ServeConfig(String modelName, ModelFields model, String host, int httpPort, int grpcPort, int mmeshPort,
                          int healthPort, long grpcMaxMessageBytes, boolean loadModelsAtStartup, Path modelsDir,
                          Duration requestTimeout, long maxRequestBytes, long maxInflightRequestBytes, int queueCapacity,
                          Duration shutdownGrace,
                          AccessPolicy access, TlsFiles tls, LoadPolicy loads, HttpLimits httpLimits,
                          int maxPrefillTokens, int stepTargetMs, long prefixCacheMib, List<NamedAdapter> adapters) {

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
        if (mmeshPort < RuntimeContract.MMESH_OFF || mmeshPort > 65535) {
            throw new IllegalArgumentException(Setting.MMESH_PORT.label() + " must be a port, 0 (any free) or -1 (off), got " + mmeshPort);
        }
        if (httpPort != 0 && httpPort == grpcPort) {
            throw new IllegalArgumentException(Setting.HTTP_PORT.label() + " and " + Setting.GRPC_PORT.label()
                    + " must differ, both are " + httpPort);
        }
        if (mmeshPort > 0 && (mmeshPort == httpPort || mmeshPort == grpcPort)) {
            throw new IllegalArgumentException(Setting.MMESH_PORT.label() + " must differ from the HTTP and gRPC ports, got " + mmeshPort);
        }
        if (healthPort < RuntimeContract.HEALTH_PORT_OFF || healthPort > 65535) {
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
        adapters = adapters == null ? List.of() : List.copyOf(adapters);
        Set<String> names = new HashSet<>(Set.of(modelName));
        for (NamedAdapter a : adapters) {
            if (!names.add(a.name())) {
                throw new IllegalArgumentException(Setting.ADAPTERS.label() + " names '" + a.name() + "' twice"
                        + (a.name().equals(modelName) ? " (it is the model's name, " + Setting.MODEL_NAME.label() + ")" : "")
                        + ": every served name is one model");
            }
        }
        if (adapters.size() + 1 > loads.maxModels()) {
            throw new IllegalArgumentException(Setting.ADAPTERS.label() + " names " + adapters.size() + " adapters; with the "
                    + "model that is more than " + Setting.MAX_MODELS.label() + " " + loads.maxModels());
        }
    }

    /** The runtime's defaults: the reference ports on this machine only, no model yet, no key, ModelMesh's SPI off. */
    public static ServeConfig defaults() {
        return from(SettingValues.DEFAULTS, ModelFields.NONE);
    }

    /**
     * Flags over environment over defaults. {@code flags} holds each flag as the user typed it, so a bad
     * value gets the same message from a flag and from its variable.
     */
    public static ServeConfig resolve(Map<Setting<?>, String> flags, Map<String, String> env) {
        return from(new SettingValues(flags, env), ModelChoice.runtime(flags, env));
    }

    private static ServeConfig from(SettingValues v, ModelFields model) {
        Path cert = v.get(Setting.TLS_CERT);
        Path key = v.get(Setting.TLS_KEY);
        long maxRequestBytes = v.get(Setting.MAX_REQUEST_BYTES);
        Long inflight = v.get(Setting.MAX_INFLIGHT_REQUEST_BYTES);
        return new ServeConfig(v.get(Setting.MODEL_NAME), model, v.get(Setting.HOST), v.get(Setting.HTTP_PORT),
                v.get(Setting.GRPC_PORT), v.get(Setting.MMESH_PORT), v.get(Setting.HEALTH_PORT),
                v.get(Setting.GRPC_MAX_MESSAGE_LENGTH), v.get(Setting.LOAD_MODELS_AT_STARTUP), v.get(Setting.MODELS_DIR),
                v.get(Setting.REQUEST_TIMEOUT), maxRequestBytes,
                inflight != null ? inflight : Setting.DEFAULT_INFLIGHT_REQUESTS * maxRequestBytes,
                v.get(Setting.QUEUE_CAPACITY), v.get(Setting.SHUTDOWN_GRACE),
                new AccessPolicy(apiKey(v), v.get(Setting.PROTECT_PROBES), v.get(Setting.TRUST_LOOPBACK)),
                cert == null && key == null ? null : new TlsFiles(cert, key),
                new LoadPolicy(v.get(Setting.REPOSITORY_API), v.get(Setting.ALLOW_LOAD_FROM), v.get(Setting.ALLOW_HUB_IDS),
                        v.get(Setting.MAX_MODELS)),
                HttpLimits.DEFAULT.withMaxConnections(v.get(Setting.MAX_CONNECTIONS)),
                v.get(Setting.MAX_PREFILL_TOKENS), v.get(Setting.STEP_TARGET_MS), v.get(Setting.PREFIX_CACHE_MIB),
                v.get(Setting.ADAPTERS));
    }

    /** The key from {@code --api-key} or the file {@code --api-key-file} names (not both); null when neither. */
    private static ApiKey apiKey(SettingValues v) {
        String key = v.get(Setting.API_KEY);
        Path file = v.get(Setting.API_KEY_FILE);
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

    /** Also serves each of {@code named} under its name, on the model's base. */
    public ServeConfig withAdapters(List<NamedAdapter> named) {
        return edit(b -> b.adapters = named);
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

    /** Also answers ModelMesh's runtime SPI on this port (0 = any free); {@link RuntimeContract#MMESH_OFF} = not. */
    public ServeConfig withMmeshPort(int port) {
        return edit(b -> b.mmeshPort = port);
    }

    /** Also answers the health probes (and /metrics) on this port of their own (0 = any free); {@link RuntimeContract#HEALTH_PORT_OFF} = not. */
    public ServeConfig withHealthPort(int port) {
        return edit(b -> b.healthPort = port);
    }

    /** The largest gRPC request message, on both gRPC ports: {@link #grpcMaxMessageBytes}, or the request limit for -1. */
    public long grpcInboundLimit() {
        return grpcMaxMessageBytes == Setting.GRPC_MAX_MESSAGE_OWN ? maxRequestBytes : grpcMaxMessageBytes;
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

    /** The largest request; the in-flight bytes grow to hold {@value Setting#DEFAULT_INFLIGHT_REQUESTS} of them when they held fewer. */
    public ServeConfig withMaxRequestBytes(long bytes) {
        return edit(b -> {
            b.maxRequestBytes = bytes;
            b.maxInflightRequestBytes = Math.max(b.maxInflightRequestBytes, Setting.DEFAULT_INFLIGHT_REQUESTS * bytes);
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
                b.loadModelsAtStartup, b.modelsDir, b.requestTimeout, b.maxRequestBytes, b.maxInflightRequestBytes,
                b.queueCapacity, b.shutdownGrace,
                b.access, b.tls, b.loads, b.httpLimits, b.maxPrefillTokens, b.stepTargetMs, b.prefixCacheMib, b.adapters);
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
        long prefixCacheMib;
        List<NamedAdapter> adapters;

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
            prefixCacheMib = c.prefixCacheMib;
            adapters = c.adapters;
        }
    }

    private static void checkPort(Setting setting, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(setting.label() + " must be between 0 and 65535 (0 = any free port), got " + port);
        }
    }
}
