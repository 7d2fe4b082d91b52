package dev.peftbench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.NamedAdapter;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.Setting;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.serve.auth.AccessPolicy;
import dev.peftbench.serve.auth.ApiKeyFilter;
import dev.peftbench.serve.auth.ApiKeyInterceptor;
import dev.peftbench.serve.auth.ForeignOriginFilter;
import dev.peftbench.serve.generate.GenerateRoutes;
import dev.peftbench.serve.health.HealthRoutes;
import dev.peftbench.serve.health.ServerHealth;
import dev.peftbench.serve.http.HttpConnections;
import dev.peftbench.serve.http.HttpLimits;
import dev.peftbench.serve.http.JsonAnswers;
import dev.peftbench.serve.http.JsonBodies;
import dev.peftbench.serve.http.ProtocolErrors;
import dev.peftbench.serve.http.RouteContext;
import dev.peftbench.serve.http.RouteTable;
import dev.peftbench.serve.metrics.MetricsRoutes;
import dev.peftbench.serve.metrics.MetricsSnapshot;
import dev.peftbench.serve.metrics.ServeMetrics;
import dev.peftbench.serve.mmesh.ModelIdHeader;
import dev.peftbench.serve.mmesh.ModelMeshRuntime;
import dev.peftbench.serve.openai.OpenAiRoutes;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelSettings;
import dev.peftbench.serve.repository.ModelState;
import dev.peftbench.serve.repository.ModelStatus;
import dev.peftbench.serve.repository.ModelsDirectory;
import dev.peftbench.serve.repository.RepositoryRoutes;
import dev.peftbench.serve.v2.grpc.InferenceGrpcService;
import dev.peftbench.serve.v2.rest.V2Routes;
import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server: v2 REST (with the repository, generate, OpenAI and metrics routes) on Helidon, v2 gRPC
 * and optionally ModelMesh's runtime SPI on grpc-java's Netty server ({@link GrpcPort}). Every request
 * goes through one {@link Engine}, which the caller owns. {@link #start} is the command line's way in;
 * an embedding (the workbench) uses {@link #builder} to serve models it already loaded, hear of every
 * generation and read the metrics.
 */
public final class InferenceServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    /** Helidon's name of the health probes' listener. */
    private static final String PROBE_SOCKET = "probes";

    private final ServeConfig config;
    private final WebServer rest;
    /** The serving port's connections and the health port's. */
    private final List<HttpConnections> connections;
    private final GrpcPort grpc;
    private final GrpcPort mmesh;
    private final ModelRepository repository;
    private final ServerHealth health;
    private final InFlight inFlight;
    private final ServeMetrics metrics;
    /** The model {@code --model} / PRETRAINED_MODEL_PATH names, when the server serves it; else null. */
    private final String namedModel;
    private boolean stopped;

    private InferenceServer(ServeConfig config, WebServer rest, List<HttpConnections> connections, GrpcPort grpc, GrpcPort mmesh,
                            ModelRepository repository, ServerHealth health, InFlight inFlight, ServeMetrics metrics,
                            String namedModel) {
        this.config = config;
        this.rest = rest;
        this.connections = connections;
        this.grpc = grpc;
        this.mmesh = mmesh;
        this.repository = repository;
        this.health = health;
        this.inFlight = inFlight;
        this.metrics = metrics;
        this.namedModel = namedModel;
    }

    /** Binds the ports, registers the configured models and starts loading them (unless told not to). */
    public static InferenceServer start(ServeConfig config, Engine engine) {
        return builder(config, engine).start();
    }

    public static Builder builder(ServeConfig config, Engine engine) {
        return new Builder(config, engine);
    }

    /**
     * What every call on both gRPC ports passes through, the first listed first: the API key (a call
     * without it ends before anything else runs), then ModelMesh's model id header, which decides which
     * model a v2 call is for.
     */
    static List<ServerInterceptor> grpcInterceptors(AccessPolicy access, ServeMetrics metrics) {
        return List.of(new ApiKeyInterceptor(access, metrics), new ModelIdHeader());
    }

    /** A server to start: the configuration, the engine, and what an embedding adds. */
    public static final class Builder {
        private final ServeConfig config;
        private final Engine engine;
        private final List<ServedModel> adopted = new ArrayList<>();
        private Consumer<ServedRequest> requestListener = r -> { };

        private Builder(ServeConfig config, Engine engine) {
            this.config = config;
            this.engine = engine;
        }

        /** Serves a model the engine already has loaded, under its name, without loading it again. */
        public Builder adopt(ServedModel model) {
            adopted.add(model);
            return this;
        }

        /** Hears of every generation the server runs (on the engine's threads: hand the work off). */
        public Builder requestListener(Consumer<ServedRequest> listener) {
            this.requestListener = listener;
            return this;
        }

        public InferenceServer start() {
            return InferenceServer.start(this);
        }
    }

    private static InferenceServer start(Builder b) {
        ServeConfig config = b.config;
        Optional<ModelsDirectory> modelsDir = Optional.ofNullable(config.modelsDir()).map(ModelsDirectory::new);
        List<ModelSettings> models = initialModels(config, modelsDir).stream()
                .filter(m -> b.adopted.stream().noneMatch(a -> a.name().equals(m.name())))
                .toList();
        LoadPolicy loads = config.loads().withRoots(ownFolders(config, models, b.adopted));
        ModelRepository repository = new ModelRepository(b.engine, config.model(), modelsDir, loads);
        b.adopted.forEach(repository::adopt);
        models.forEach(repository::register);

        ServeMetrics metrics = new ServeMetrics(() -> b.engine.stats().queued(), repository::readyCount,
                () -> b.engine.stats().prefixCache());
        InFlight inFlight = new InFlight();
        ServerHealth health = new ServerHealth(repository);
        TextGeneration generation = new TextGeneration(b.engine, config.requestTimeout(), config.queueCapacity(),
                metrics, inFlight, b.requestListener);
        ObjectMapper json = new ObjectMapper();
        JsonAnswers answers = new JsonAnswers(json);
        HttpConnections connections = new HttpConnections(config.httpLimits());
        RequestMemory memory = new RequestMemory(config.maxInflightRequestBytes());
        JsonBodies bodies = new JsonBodies(json, config.maxRequestBytes(), memory);
        RouteContext http = new RouteContext(metrics, answers, bodies, new RouteTable(), connections);
        HttpConnections probeConnections = new HttpConnections(HttpLimits.PROBES);
        RouteContext probes = new RouteContext(metrics, answers, bodies, new RouteTable(), probeConnections);
        List<ServerInterceptor> interceptors = grpcInterceptors(config.access(), metrics);

        List<AutoCloseable> started = new ArrayList<>(List.of(connections, probeConnections));
        try {
            requireFree("v2 REST", config.host(), config.httpPort());
            GrpcRequestMemory grpcMemory = new GrpcRequestMemory(memory, metrics);
            GrpcPort grpc = GrpcPort.start("v2 gRPC", config.host(), config.grpcPort(), config.grpcInboundLimit(), grpcMemory,
                    config.httpLimits(), config.tls(), interceptors,
                    List.of(new InferenceGrpcService(health, repository, generation, metrics)));
            started.add(grpc);
            GrpcPort mmesh = null;
            if (config.mmeshPort() != RuntimeContract.MMESH_OFF) {
                List<BindableService> spi = List.of(new ModelMeshRuntime(b.engine, repository, config.model()));
                mmesh = GrpcPort.start("ModelMesh's runtime SPI", config.host(), config.mmeshPort(),
                        config.grpcInboundLimit(), grpcMemory, config.httpLimits(), config.tls(), interceptors, spi);
                started.add(mmesh);
            }
            WebServer rest = WebServer.builder()
                    .shutdownHook(false)
                    .host(config.host())
                    .port(config.httpPort())
                    // the only protocol, so every accepted connection is ours from its first moment (idle ones too)
                    .protocolsDiscoverServices(false)
                    .addConnectionSelector(connections)
                    .maxTcpConnections(config.httpLimits().maxConnections())
                    .idleConnectionTimeout(config.httpLimits().idleTimeout())
                    .directHandlers(ProtocolErrors.handlers())
                    // the parser's reason (for what the client sent) goes into the 400's body
                    .errorHandling(e -> e.includeEntity(true))
                    .routing(r -> {
                        r.addFilter(new ForeignOriginFilter(answers));
                        if (config.access().keyRequired()) {
                            r.addFilter(new ApiKeyFilter(config.access(), answers, metrics));
                        }
                        r.register(new HealthRoutes(http, health))
                                .register(new V2Routes(http, health, repository, generation))
                                .register(new RepositoryRoutes(http, repository))
                                .register(new GenerateRoutes(http, repository, generation))
                                .register(new OpenAiRoutes(http, repository, generation))
                                .register(new MetricsRoutes(http))
                                // unknown routes and methods answer the same JSON error shape as every other failure
                                .any(http.endpoint("unknown_route", (req, res) -> unknownRoute(http.table(), req, res)));
                    })
                    .update(builder -> {
                        if (config.tls() != null) {
                            builder.tls(config.tls().forRest());
                        }
                        if (config.healthPort() != RuntimeContract.HEALTH_PORT_OFF) {
                            requireFree("the health probes", config.host(), config.healthPort());
                            builder.putSocket(PROBE_SOCKET, s -> probeSocket(s, config, probes, probeConnections, health));
                        }
                    })
                    .build()
                    .start();
            if (!rest.isRunning()) {
                // Helidon logs why and returns a stopped server instead of throwing.
                throw new IllegalStateException("cannot listen for v2 REST on " + config.host() + ":" + config.httpPort()
                        + ": the port is in use or the address is not this machine's (the log above says which)");
            }
            InferenceServer server = new InferenceServer(config, rest, List.of(connections, probeConnections), grpc, mmesh,
                    repository, health,
                    inFlight, metrics, namedModel(config, modelsDir, models));
            server.announce(models);
            return server;
        } catch (RuntimeException e) {
            for (AutoCloseable port : started) {
                try {
                    port.close();
                } catch (Exception ignored) {
                    // the start failure is what the caller needs to hear
                }
            }
            repository.close();
            throw e;
        }
    }

    /**
     * The health probes' own port: live, ready and /metrics, behind the API key only when it protects
     * probes, with connection limits of its own ({@link HttpLimits#PROBES}). The serving ports'
     * connections, however many a client holds open, do not count against it: Kubernetes probes, which
     * reach the pod's address directly, point here.
     */
    private static void probeSocket(ListenerConfig.Builder s, ServeConfig config, RouteContext probes,
                                    HttpConnections probeConnections, ServerHealth health) {
        s.host(config.host())
                .port(config.healthPort())
                .protocolsDiscoverServices(false)
                .addConnectionSelector(probeConnections)
                .maxTcpConnections(HttpLimits.PROBES.maxConnections())
                .idleConnectionTimeout(HttpLimits.PROBES.idleTimeout())
                .directHandlers(ProtocolErrors.handlers())
                .errorHandling(e -> e.includeEntity(true))
                .routing(r -> {
                    if (config.access().keyRequired()) {
                        r.addFilter(new ApiKeyFilter(config.access(), probes.answers(), probes.metrics()));
                    }
                    r.register(new HealthRoutes(probes, health))
                            .register(new MetricsRoutes(probes))
                            .any(probes.endpoint("unknown_route", (req, res) -> unknownRoute(probes.table(), req, res)));
                });
        if (config.tls() != null) {
            s.tls(config.tls().forRest());
        }
    }

    /**
     * Fails with one sentence when {@code host:port} cannot be bound, before anything starts: Helidon
     * would log the bind failure with a stack trace and return a stopped server.
     */
    private static void requireFree(String what, String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot listen for " + what + " on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    /** 405 with Allow for a known path asked with another method (RFC 9110 section 15.5.6), else 404. */
    private static void unknownRoute(RouteTable table, ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        Set<String> allowed = table.allowed(path);
        if (allowed.isEmpty()) {
            throw ServeException.notFound("no route " + req.prologue().method().text() + " " + path);
        }
        res.header(HeaderNames.ALLOW, String.join(", ", allowed));
        throw new ServeException(Failure.METHOD_NOT_ALLOWED, path + " takes " + String.join(", ", allowed)
                + ", not " + req.prologue().method().text());
    }

    /**
     * The folders the server itself loads from, where the repository API may load too: the models dir,
     * the Hugging Face cache, and the folders of the models it starts with.
     */
    private static List<Path> ownFolders(ServeConfig config, List<ModelSettings> models, List<ServedModel> adopted) {
        List<Path> roots = new ArrayList<>(HubSettings.fromEnvironment().caches());
        if (config.modelsDir() != null) {
            roots.add(config.modelsDir());
        }
        List<String> given = new ArrayList<>();
        models.forEach(m -> {
            given.add(m.fields().baseModel());
            given.add(m.fields().adapterToLoad());
        });
        adopted.forEach(m -> {
            given.add(m.spec().baseModel());
            given.add(m.spec().adapter());
        });
        for (String g : given) {
            if (g != null && Files.isDirectory(Path.of(g))) {
                roots.add(Path.of(g));
            }
        }
        return roots;
    }

    private void announce(List<ModelSettings> models) {
        LOG.info("v2 REST on {}://{}:{}  (health /v2/health/ready, metrics /metrics, OpenAI /v1)",
                config.tls() == null ? "http" : "https", config.host(), httpPort());
        LOG.info("v2 gRPC (inference.GRPCInferenceService) on {}:{}{}", config.host(), grpcPort(),
                config.tls() == null ? "" : " (TLS)");
        if (healthPort() != RuntimeContract.HEALTH_PORT_OFF) {
            LOG.info("health probes (/v2/health/live, /v2/health/ready, /metrics) on their own port {}:{}", config.host(), healthPort());
        }
        if (config.access().keyRequired()) {
            LOG.info("API key required on every route but {}{}", config.access().protectProbes() ? "none" : "health and metrics",
                    config.access().trustLoopback() ? "; callers on this machine's loopback need none" : "");
        } else if (!isLoopback(config.host())) {
            LOG.warn("no API key and listening on {}: anyone who reaches the port can run and load models "
                    + "(set {} or {})", config.host(), Setting.API_KEY_FILE.label(),
                    Setting.API_KEY.label());
        }
        if (mmesh != null) {
            LOG.info("ModelMesh runtime SPI (mmesh.ModelRuntime) on {}:{}", config.host(), mmeshPort());
        }
        if (models.isEmpty() && repository.index().isEmpty()) {
            LOG.warn("no models configured: load one with POST /v2/repository/models/{name}/load "
                    + "(parameters.base_model) or pass {}", Setting.BASE_MODEL.label());
        }
        for (ModelSettings m : models) {
            ModelFields f = m.fields();
            if (config.loadModelsAtStartup()) {
                LOG.info("model '{}': loading (base {}, adapter {}, dtype {}, backend {}, device {})", m.name(),
                        f.baseModel(), f.adapterToLoad(), orDefault(f.dtype()), orDefault(f.backend()), orDefault(f.device()));
                repository.loadInBackground(m.name());
            } else {
                LOG.info("model '{}': registered, not loaded ({}=false)", m.name(),
                        Setting.LOAD_MODELS_AT_STARTUP.env());
            }
        }
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static Object orDefault(Object value) {
        return value == null ? "default" : value;
    }

    /**
     * The models dir's models, each as {@link ModelChoice.EntryPoint#SERVE_MODELS_DIR} chooses over its
     * model-settings.json; else, when the runtime's word (or its adapter) names a base model, the single
     * model named by {@code --name} / its variable ({@link ModelChoice.EntryPoint#SERVE}); and each of
     * {@code --adapters} under its name, the runtime's word with that adapter, so that they share its base
     * model (the engine loads a base once for every name on it).
     */
    static List<ModelSettings> initialModels(ServeConfig config, Optional<ModelsDirectory> modelsDir) {
        List<ModelSettings> out = new ArrayList<>();
        ModelChoice.Said runtime = ModelChoice.Said.NOTHING.withFlags(config.model());
        modelsDir.ifPresent(d -> d.scan().forEach(s -> out.add(new ModelSettings(s.name(),
                ModelChoice.choose(ModelChoice.EntryPoint.SERVE_MODELS_DIR, runtime.withModelSettings(s.fields())).fields()))));
        if (out.isEmpty()) {
            ModelFields single = ModelChoice.choose(ModelChoice.EntryPoint.SERVE, runtime).fields();
            if (single.baseModel() != null) {
                out.add(new ModelSettings(config.modelName(), single));
            }
        }
        for (NamedAdapter adapter : config.adapters()) {
            ModelFields fields = ModelChoice.choose(ModelChoice.EntryPoint.SERVE,
                    runtime.withFlags(config.model().withModel(config.model().baseModel(), adapter.source()))).fields();
            if (fields.baseModel() == null) {
                throw new IllegalArgumentException("adapter '" + adapter.name() + "' (" + Setting.ADAPTERS.label()
                        + ") has no base model: name the one the adapters share with " + Setting.BASE_MODEL.label());
            }
            out.add(new ModelSettings(adapter.name(), fields));
        }
        return out;
    }

    public int httpPort() {
        return rest.port();
    }

    /** The health probes' own port, or -1 when it is off. */
    public int healthPort() {
        return config.healthPort() == RuntimeContract.HEALTH_PORT_OFF ? RuntimeContract.HEALTH_PORT_OFF : rest.port(PROBE_SOCKET);
    }

    public int grpcPort() {
        return grpc.port();
    }

    /** The ModelMesh runtime SPI port, or -1 when it is off. */
    public int mmeshPort() {
        return mmesh != null ? mmesh.port() : RuntimeContract.MMESH_OFF;
    }

    /** Where every model stands (the repository index). */
    public List<ModelStatus> models() {
        return repository.index();
    }

    /** Requests, errors, latencies, tokens, queue and loaded models now: what {@code /metrics} says, summed. */
    public MetricsSnapshot metrics() {
        return metrics.snapshot();
    }

    /**
     * Waits while the model named by {@code --model} / PRETRAINED_MODEL_PATH loads at start, as vLLM does
     * before it serves, so that a model that cannot load ends the process (a container restarts
     * visibly instead of sitting unready). Nothing to wait for when no model was named, when a models
     * dir supplies the models (one broken folder does not take the others down) or when loads at start
     * are off: ModelMesh then loads through its SPI and hears each failure there.
     *
     * @throws IllegalStateException with the reason, when that model failed to load
     */
    public void awaitNamedModel() throws InterruptedException {
        if (!config.loadModelsAtStartup() || namedModel == null) {
            return;
        }
        ModelStatus s;
        while ((s = repository.requireKnown(namedModel, null)).state() == ModelState.LOADING) {
            Thread.sleep(50);
        }
        if (!s.ready()) {
            throw new IllegalStateException("model '" + namedModel + "' (" + Setting.BASE_MODEL.label()
                    + ") could not be served: " + s.reason());
        }
    }

    /** The flags' / environment's single model, when it is what the server starts with (no models dir supplies any). */
    private static String namedModel(ServeConfig config, Optional<ModelsDirectory> modelsDir, List<ModelSettings> models) {
        boolean fromModelsDir = modelsDir.map(d -> !d.scan().isEmpty()).orElse(false);
        return !fromModelsDir && models.size() == 1 && models.getFirst().name().equals(config.modelName()) ? config.modelName() : null;
    }

    /**
     * Graceful shutdown: readiness turns false, new requests are refused, in-flight ones finish (at most
     * the grace period), then every port closes.
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
        rest.stop();
        connections.forEach(HttpConnections::close);
        grpc.close();
        if (mmesh != null) {
            mmesh.close();
        }
        repository.close();
        LOG.info("server stopped");
    }
}
