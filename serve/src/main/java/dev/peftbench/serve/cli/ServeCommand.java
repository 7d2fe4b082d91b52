package dev.peftbench.serve.cli;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.InferenceServer;
import dev.peftbench.serve.ServeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code peftbench serve}: the KServe v2 server. Flags win over the reference runtime's environment
 * variables (named in each option's description), which win over model-settings.json.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve models over KServe v2 / Open Inference Protocol (REST + gRPC), generate, OpenAI and /metrics.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Base model folder or Hub id (env PRETRAINED_MODEL_PATH).")
    String model;
    @Option(names = "--adapter", description = "PEFT adapter folder or Hub id (env PEFT_MODEL_ID).")
    String adapter;
    @Option(names = "--template", description = "Prompt template: seed, raw, or a pattern with {input} (env PEFTBENCH_TEMPLATE; default seed).")
    String template;
    @Option(names = "--text-column", description = "Text column of the seed template (env DATASET_TEXT_COLUMN_NAME; default 'Tweet text').")
    String textColumn;
    @Option(names = "--name", description = "Served model name (env MLSERVER_MODEL_NAME; default peft-demo).")
    String name;
    @Option(names = "--host", description = "Bind address (env MLSERVER_HOST; default 0.0.0.0).")
    String host;
    @Option(names = "--http-port", description = "REST port, 0 = any free (env MLSERVER_HTTP_PORT; default 8002).")
    Integer httpPort;
    @Option(names = "--grpc-port", description = "gRPC port, 0 = any free (env MLSERVER_GRPC_PORT; default 8001).")
    Integer grpcPort;
    @Option(names = "--grpc-max-message-length", description = "Largest gRPC request in bytes, -1 = unlimited (env MLSERVER_GRPC_MAX_MESSAGE_LENGTH).")
    Long grpcMaxMessageLength;
    @Option(names = "--load-models-at-startup", arity = "1", description = "true|false (env MLSERVER_LOAD_MODELS_AT_STARTUP; default true).")
    Boolean loadModelsAtStartup;
    @Option(names = "--models-dir", description = "Folder with one sub-folder per model, each with model-settings.json (env MLSERVER_MODELS_DIR).")
    Path modelsDir;
    @Option(names = "--request-timeout", description = "Seconds before a request is cancelled (env PEFTBENCH_REQUEST_TIMEOUT; default 120).")
    Integer requestTimeout;
    @Option(names = "--max-request-bytes", description = "Largest REST body (env PEFTBENCH_MAX_REQUEST_BYTES; default 16 MiB).")
    Long maxRequestBytes;
    @Option(names = "--queue-capacity", description = "Requests waiting in the engine queue before 503 (env PEFTBENCH_QUEUE_CAPACITY; default 64).")
    Integer queueCapacity;
    @Option(names = "--shutdown-grace", description = "Seconds to finish in-flight requests on shutdown (default 30).")
    Integer shutdownGrace;
    @Option(names = "--mmesh-port", description = "Serve ModelMesh's runtime SPI (mmesh.ModelRuntime) on this port, e.g. 8085, "
            + "for a ServingRuntime without builtInAdapter (env PEFTBENCH_MMESH_PORT; default off).")
    Integer mmeshPort;
    @Option(names = "--max-prefill-tokens", description = "Prompt positions prefilled per step; longer prompts are prefilled in chunks "
            + "between decode steps, so running streams keep getting tokens (env PEFTBENCH_MAX_PREFILL_TOKENS; default 64).")
    Integer maxPrefillTokens;

    @Override
    public Integer call() throws InterruptedException {
        ServeConfig config = ServeConfig.resolve(new ServeConfig.Flags(name, model, adapter, template, textColumn, host,
                httpPort, grpcPort, grpcMaxMessageLength, loadModelsAtStartup, modelsDir, requestTimeout,
                maxRequestBytes, queueCapacity, shutdownGrace, mmeshPort, maxPrefillTokens), System.getenv());
        EngineOptions defaults = EngineOptions.defaults();
        Engine engine = new Engine(new EngineOptions(config.queueCapacity(), defaults.maxBatch(), defaults.threads())
                .withMaxPrefillTokens(config.maxPrefillTokens()));
        InferenceServer server = InferenceServer.start(config, engine);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            engine.close();
            stopped.countDown();
        }, "peftbench-shutdown"));
        stopped.await();
        return 0;
    }
}
