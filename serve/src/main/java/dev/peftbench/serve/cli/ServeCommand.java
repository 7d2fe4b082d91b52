package dev.peftbench.serve.cli;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.InferenceServer;
import dev.peftbench.serve.RuntimeContract.Setting;
import dev.peftbench.serve.ServeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code peftbench serve}: the KServe v2 server. Flags win over the runtime's environment variables
 * (named in each option's description), which win over model-settings.json. Values are taken as typed
 * and checked in {@link ServeConfig#resolve}, so a flag and its variable fail with the same message.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve models over KServe v2 / Open Inference Protocol (REST + gRPC), generate, OpenAI and /metrics.")
public final class ServeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;
    @Option(names = "--name", description = "Served model name (env MLSERVER_MODEL_NAME; default peft-demo).")
    String name;
    @Option(names = "--host", description = "Bind address (env MLSERVER_HOST; default 127.0.0.1, this machine only; "
            + "the runtime image sets 0.0.0.0).")
    String host;
    @Option(names = "--http-port", description = "REST port, 0 = any free (env MLSERVER_HTTP_PORT; default 8002).")
    String httpPort;
    @Option(names = "--grpc-port", description = "gRPC port, 0 = any free (env MLSERVER_GRPC_PORT; default 8001).")
    String grpcPort;
    @Option(names = "--mmesh-port", description = "Serve ModelMesh's runtime SPI (mmesh.ModelRuntime) on this port, e.g. 8085, "
            + "for a ServingRuntime without builtInAdapter (env PEFTBENCH_MMESH_PORT; default off).")
    String mmeshPort;
    @Option(names = "--health-port", description = "Also answer /v2/health/live, /v2/health/ready and /metrics on this port "
            + "of their own, which connections to the other ports cannot crowd out; point Kubernetes probes here, 0 = any free "
            + "(env PEFTBENCH_HEALTH_PORT; default off; the runtime image sets 8003).")
    String healthPort;
    @Option(names = "--grpc-max-message-length", description = "Largest gRPC request message in bytes, at most --max-request-bytes; "
            + "-1 = --max-request-bytes, never unlimited (env MLSERVER_GRPC_MAX_MESSAGE_LENGTH; default -1).")
    String grpcMaxMessageLength;
    @Option(names = "--load-models-at-startup", description = "true|false (env MLSERVER_LOAD_MODELS_AT_STARTUP; default true).")
    String loadModelsAtStartup;
    @Option(names = "--models-dir", description = "Folder with one sub-folder per model, each with model-settings.json (env MLSERVER_MODELS_DIR).")
    String modelsDir;
    @Option(names = "--request-timeout", description = "Seconds before a request is cancelled (env PEFTBENCH_REQUEST_TIMEOUT; default 120).")
    String requestTimeout;
    @Option(names = "--max-request-bytes", description = "Largest request: a REST body or a gRPC message, on every port "
            + "(env PEFTBENCH_MAX_REQUEST_BYTES; default 16 MiB).")
    String maxRequestBytes;
    @Option(names = "--max-inflight-request-bytes", description = "The bytes of all requests being received and answered at "
            + "once, REST and gRPC together; a request beyond is refused with 503 / RESOURCE_EXHAUSTED "
            + "(env PEFTBENCH_MAX_INFLIGHT_REQUEST_BYTES; default 4 x --max-request-bytes).")
    String maxInflightRequestBytes;
    @Option(names = "--queue-capacity", description = "Requests waiting in the engine queue before 503 (env PEFTBENCH_QUEUE_CAPACITY; default 64).")
    String queueCapacity;
    @Option(names = "--shutdown-grace", description = "Seconds to finish in-flight requests on shutdown (default 30).")
    String shutdownGrace;
    @Option(names = "--max-prefill-tokens", description = "Prompt positions prefilled per step; longer prompts are prefilled in chunks "
            + "between decode steps, so running streams keep getting tokens (env PEFTBENCH_MAX_PREFILL_TOKENS; default 256).")
    String maxPrefillTokens;
    @Option(names = "--step-target-ms", description = "While streams decode, size prompt chunks so that a step takes about this "
            + "long, the streams' longest wait for a token while a prompt prefills; 0 = chunks of --max-prefill-tokens "
            + "(env PEFTBENCH_STEP_TARGET_MS; default 400).")
    String stepTargetMs;
    @Option(names = "--api-key", description = "Require 'Authorization: Bearer KEY' on every route but health and metrics "
            + "(env PEFTBENCH_API_KEY; prefer --api-key-file: a flag shows in process listings).")
    String apiKey;
    @Option(names = "--api-key-file", description = "Read the API key from this file, e.g. a mounted Kubernetes Secret (env PEFTBENCH_API_KEY_FILE).")
    String apiKeyFile;
    @Option(names = "--protect-probes", description = "true: health and /metrics need the API key too (env PEFTBENCH_PROTECT_PROBES; default false).")
    String protectProbes;
    @Option(names = "--trust-loopback", description = "true: callers on this machine's loopback need no API key, as ModelMesh "
            + "calling the runtime inside its pod (env PEFTBENCH_TRUST_LOOPBACK; default false).")
    String trustLoopback;
    @Option(names = "--tls-cert", description = "PEM certificate chain: serve REST and gRPC over TLS (env PEFTBENCH_TLS_CERT; needs --tls-key).")
    String tlsCert;
    @Option(names = "--tls-key", description = "PEM private key, PKCS#8 (env PEFTBENCH_TLS_KEY).")
    String tlsKey;
    @Option(names = "--repository-api", description = "false: refuse the repository API's load and unload (env PEFTBENCH_REPOSITORY_API; default true).")
    String repositoryApi;
    @Option(names = "--allow-load-from", description = "A folder the repository API may load from, besides the models dir, "
            + "the Hugging Face cache and the startup models' folders; repeatable (env PEFTBENCH_ALLOW_LOAD_FROM, ':'-separated).")
    List<String> allowLoadFrom;
    @Option(names = "--allow-hub-ids", description = "false: the repository API loads no Hub ids (env PEFTBENCH_ALLOW_HUB_IDS; default true).")
    String allowHubIds;
    @Option(names = "--max-models", description = "Most model names registered at once (env PEFTBENCH_MAX_MODELS; default 64).")
    String maxModels;
    @Option(names = "--max-connections", description = "Most connections open at once on each port, REST and gRPC; more wait "
            + "in the listen backlog (env PEFTBENCH_MAX_CONNECTIONS; default 512).")
    String maxConnections;

    /** Every flag as typed, by setting. */
    Map<Setting, String> flags() {
        Map<Setting, String> flags = modelOptions.flags();
        ModelOptions.put(flags, Setting.MODEL_NAME, name);
        ModelOptions.put(flags, Setting.HOST, host);
        ModelOptions.put(flags, Setting.HTTP_PORT, httpPort);
        ModelOptions.put(flags, Setting.GRPC_PORT, grpcPort);
        ModelOptions.put(flags, Setting.MMESH_PORT, mmeshPort);
        ModelOptions.put(flags, Setting.HEALTH_PORT, healthPort);
        ModelOptions.put(flags, Setting.GRPC_MAX_MESSAGE_LENGTH, grpcMaxMessageLength);
        ModelOptions.put(flags, Setting.LOAD_MODELS_AT_STARTUP, loadModelsAtStartup);
        ModelOptions.put(flags, Setting.MODELS_DIR, modelsDir);
        ModelOptions.put(flags, Setting.REQUEST_TIMEOUT, requestTimeout);
        ModelOptions.put(flags, Setting.MAX_REQUEST_BYTES, maxRequestBytes);
        ModelOptions.put(flags, Setting.MAX_INFLIGHT_REQUEST_BYTES, maxInflightRequestBytes);
        ModelOptions.put(flags, Setting.QUEUE_CAPACITY, queueCapacity);
        ModelOptions.put(flags, Setting.SHUTDOWN_GRACE, shutdownGrace);
        ModelOptions.put(flags, Setting.MAX_PREFILL_TOKENS, maxPrefillTokens);
        ModelOptions.put(flags, Setting.STEP_TARGET_MS, stepTargetMs);
        ModelOptions.put(flags, Setting.API_KEY, apiKey);
        ModelOptions.put(flags, Setting.API_KEY_FILE, apiKeyFile);
        ModelOptions.put(flags, Setting.PROTECT_PROBES, protectProbes);
        ModelOptions.put(flags, Setting.TRUST_LOOPBACK, trustLoopback);
        ModelOptions.put(flags, Setting.TLS_CERT, tlsCert);
        ModelOptions.put(flags, Setting.TLS_KEY, tlsKey);
        ModelOptions.put(flags, Setting.REPOSITORY_API, repositoryApi);
        ModelOptions.put(flags, Setting.ALLOW_LOAD_FROM, allowLoadFrom == null ? null : String.join(File.pathSeparator, allowLoadFrom));
        ModelOptions.put(flags, Setting.ALLOW_HUB_IDS, allowHubIds);
        ModelOptions.put(flags, Setting.MAX_MODELS, maxModels);
        ModelOptions.put(flags, Setting.MAX_CONNECTIONS, maxConnections);
        return flags;
    }

    @Override
    public Integer call() throws InterruptedException {
        ServeConfig config = ServeConfig.resolve(flags(), System.getenv());
        EngineOptions defaults = EngineOptions.defaults();
        Engine engine = new Engine(new EngineOptions(config.queueCapacity(), defaults.maxBatch(), defaults.threads())
                .withMaxPrefillTokens(config.maxPrefillTokens()).withStepTargetMs(config.stepTargetMs()));
        InferenceServer server;
        try {
            server = InferenceServer.start(config, engine);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = new Thread(() -> {
            server.close();
            engine.close();
            stopped.countDown();
        }, "peftbench-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            server.awaitNamedModel();
        } catch (IllegalStateException e) {
            // the model this process was started for cannot be served: exit non-zero, as vLLM does
            Runtime.getRuntime().removeShutdownHook(shutdown);
            shutdown.run();
            throw e;
        }
        stopped.await();
        return 0;
    }
}
