package dev.peftbench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.Engine;
import dev.peftbench.serve.generate.GenerateRoutes;
import dev.peftbench.serve.health.ServerHealth;
import dev.peftbench.serve.http.JsonAnswers;
import dev.peftbench.serve.http.JsonBodies;
import dev.peftbench.serve.http.RouteContext;
import dev.peftbench.serve.metrics.MetricsRoutes;
import dev.peftbench.serve.metrics.ServeMetrics;
import dev.peftbench.serve.mmesh.ModelMeshRuntime;
import dev.peftbench.serve.openai.OpenAiRoutes;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelSettings;
import dev.peftbench.serve.repository.ModelStatus;
import dev.peftbench.serve.repository.ModelsDirectory;
import dev.peftbench.serve.repository.RepositoryRoutes;
import dev.peftbench.serve.v2.grpc.ClientDeadline;
import dev.peftbench.serve.v2.grpc.InferenceGrpcService;
import dev.peftbench.serve.v2.rest.V2Routes;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.grpc.GrpcRouting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Helidon 4 server: v2 REST (with the repository, generate, OpenAI and metrics routes) on
 * the default socket, v2 gRPC on the named socket {@value #GRPC_SOCKET}. Every request goes through
 * one {@link Engine}, which the caller owns.
 */
public final class InferenceServer implements AutoCloseable {

    public static final String GRPC_SOCKET = "grpc";
    public static final String MMESH_SOCKET = "mmesh";
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);

    private final ServeConfig config;
    private final WebServer server;
    private final ModelRepository repository;
    private final ServerHealth health;
    private final InFlight inFlight;
    private boolean stopped;

    private InferenceServer(ServeConfig config, WebServer server, ModelRepository repository, ServerHealth health,
                            InFlight inFlight) {
        this.config = config;
        this.server = server;
        this.repository = repository;
        this.health = health;
        this.inFlight = inFlight;
    }

    /** Binds both ports, registers the configured models and starts loading them (unless told not to). */
    public static InferenceServer start(ServeConfig config, Engine engine) {
        return start(config, EngineGateway.of(engine));
    }

    /** As {@link #start(ServeConfig, Engine)}; protocol-layer unit tests pass a fake gateway. */
    public static InferenceServer start(ServeConfig config, EngineGateway engine) {
        Optional<ModelsDirectory> modelsDir = Optional.ofNullable(config.modelsDir()).map(ModelsDirectory::new);
        ModelRepository repository = new ModelRepository(engine, config.model(), modelsDir);
        List<ModelSettings> models = initialModels(config, modelsDir);
        models.forEach(repository::register);

        ServeMetrics metrics = new ServeMetrics(engine::queued, repository::readyCount);
        InFlight inFlight = new InFlight();
        ServerHealth health = new ServerHealth(repository);
        TextGeneration generation = new TextGeneration(engine, repository, config.requestTimeout(), metrics, inFlight);
        ObjectMapper json = new ObjectMapper();
        JsonAnswers answers = new JsonAnswers(json);
        RouteContext http = new RouteContext(metrics, answers, new JsonBodies(json, config.maxRequestBytes()));
        InferenceGrpcService grpc = new InferenceGrpcService(health, repository, generation, metrics,
                config.grpcMaxMessageBytes());

        var builder = WebServer.builder()
                .shutdownHook(false)
                .host(config.host())
                .port(config.httpPort())
                .routing(r -> r
                        .register(new V2Routes(http, health, repository, generation))
                        .register(new RepositoryRoutes(http, repository))
                        .register(new GenerateRoutes(http, repository, generation))
                        .register(new OpenAiRoutes(http, repository, generation))
                        .register(new MetricsRoutes(metrics))
                        // unknown routes answer the JSON error shape too (specs/README.md "Errors")
                        .any(http.endpoint("unknown_route", (req, res) -> {
                            throw ServeException.notFound("no route " + req.prologue().method().text() + " "
                                    + req.path().path());
                        })))
                .putSocket(GRPC_SOCKET, s -> s
                        .host(config.host())
                        .port(config.grpcPort())
                        .addRouting(GrpcRouting.builder().intercept(new ClientDeadline()).service(grpc)));
        if (config.mmeshPort() >= 0) {
            builder.putSocket(MMESH_SOCKET, s -> s
                    .host(config.host())
                    .port(config.mmeshPort())
                    .addRouting(GrpcRouting.builder().service(new ModelMeshRuntime(engine, repository, config.model()))));
        }
        WebServer server = builder.build().start();

        InferenceServer started = new InferenceServer(config, server, repository, health, inFlight);
        LOG.info("v2 REST on http://{}:{}  (health /v2/health/ready, metrics /metrics, OpenAI /v1)",
                config.host(), started.httpPort());
        LOG.info("v2 gRPC (inference.GRPCInferenceService) on {}:{}", config.host(), started.grpcPort());
        if (config.mmeshPort() >= 0) {
            LOG.info("ModelMesh runtime SPI (mmesh.ModelRuntime) on {}:{}", config.host(), server.port(MMESH_SOCKET));
        }
        if (models.isEmpty()) {
            LOG.warn("no models configured: load one with POST /v2/repository/models/{name}/load "
                    + "(parameters.base_model) or pass --model / PRETRAINED_MODEL_PATH");
        }
        for (ModelSettings m : models) {
            if (config.loadModelsAtStartup()) {
                LOG.info("model '{}': loading (base {}, adapter {})", m.name(), m.fields().baseModel(), m.fields().adapter());
                repository.loadInBackground(m.name());
            } else {
                LOG.info("model '{}': registered, not loaded (MLSERVER_LOAD_MODELS_AT_STARTUP=false)", m.name());
            }
        }
        return started;
    }

    /**
     * The models dir's models, each with flags/env layered over its model-settings.json; else, when a base
     * model was given, the single model named by {@code --name} / MLSERVER_MODEL_NAME.
     */
    static List<ModelSettings> initialModels(ServeConfig config, Optional<ModelsDirectory> modelsDir) {
        List<ModelSettings> out = new ArrayList<>();
        modelsDir.ifPresent(d -> d.scan().forEach(s -> out.add(new ModelSettings(s.name(), config.model().orElse(s.fields())))));
        if (out.isEmpty() && config.model().baseModel() != null) {
            out.add(new ModelSettings(config.modelName(), config.model()));
        }
        return out;
    }

    public int httpPort() {
        return server.port();
    }

    public int grpcPort() {
        return server.port(GRPC_SOCKET);
    }

    /** The ModelMesh runtime SPI port, or -1 when it is off. */
    public int mmeshPort() {
        return config.mmeshPort() >= 0 ? server.port(MMESH_SOCKET) : -1;
    }

    /** Waits until every registered model left LOADING (tests, and the CLI's startup log). */
    public List<ModelStatus> awaitLoaded(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline
                && repository.index().stream().anyMatch(s -> s.state() == dev.peftbench.serve.repository.ModelState.LOADING)) {
            Thread.sleep(20);
        }
        return repository.index();
    }

    /**
     * Graceful shutdown: readiness turns false, new requests are refused, in-flight ones finish (at most
     * the grace period), then both sockets close.
     */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        health.stopping();
        try {
            if (!inFlight.drain(config.shutdownGrace())) {
                LOG.warn("{} requests still running after {}s; stopping anyway", inFlight.count(),
                        config.shutdownGrace().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop();
        repository.close();
        LOG.info("server stopped");
    }
}
