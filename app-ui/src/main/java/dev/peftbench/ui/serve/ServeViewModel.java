package dev.peftbench.ui.serve;

import dev.peftbench.engine.ServedModel;
import dev.peftbench.serve.InferenceServer;
import dev.peftbench.serve.ServeConfig;
import dev.peftbench.serve.auth.AccessPolicy;
import dev.peftbench.serve.auth.ApiKey;
import dev.peftbench.serve.ServedRequest;
import dev.peftbench.serve.metrics.MetricsSnapshot;
import dev.peftbench.serve.repository.ModelStatus;
import dev.peftbench.ui.UserMessage;
import dev.peftbench.ui.Workbench;
import dev.peftbench.ui.WorkbenchSettings.ServeChoice;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableStringValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.concurrent.Task;
import javafx.util.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The Serve page: starts and stops the embedded KServe v2 server ({@link InferenceServer}) on the
 * workbench's engine, serving the model the workbench loaded as it is, under its name; keeps a live log
 * of the generations it runs and shows its metrics.
 */
public final class ServeViewModel {
    private static final Logger log = LoggerFactory.getLogger(ServeViewModel.class);
    /** A desktop tool: listen on this machine only, so loading a model does not expose it to the network. */
    static final String HOST = "127.0.0.1";
    private static final int LOG_ROWS = 500;
    private static final java.time.Duration SHUTDOWN_GRACE = java.time.Duration.ofSeconds(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Workbench workbench;
    private final StringProperty httpPort = new SimpleStringProperty();
    private final StringProperty grpcPort = new SimpleStringProperty();
    private final ObjectProperty<ServerState> state = new SimpleObjectProperty<>(ServerState.STOPPED);
    private final IntegerProperty boundHttpPort = new SimpleIntegerProperty(0);
    private final IntegerProperty boundGrpcPort = new SimpleIntegerProperty(0);
    private final StringProperty servedModel = new SimpleStringProperty("");
    private final StringProperty status = new SimpleStringProperty("Stopped");
    private final StringProperty error = new SimpleStringProperty("");
    private final StringProperty metrics = new SimpleStringProperty("");
    private final ObservableList<ServedRequest> requests = FXCollections.observableArrayList();
    private final StringBinding restUrl;
    private final StringBinding grpcAddress;
    private final StringBinding curl;
    private final Timeline poller;
    private final ObservableStringValue promptInput;
    private InferenceServer server;
    /** The running server's API key, shown in the curl command. */
    private volatile String apiKey;
    /** Where the served models stood once the server started; written by the start task, read after it. */
    private volatile List<ModelStatus> modelsAtStart = List.of();

    public ServeViewModel(Workbench workbench, ObservableStringValue promptInput) {
        this.workbench = workbench;
        ServeChoice saved = workbench.initialSettings().serve();
        httpPort.set(saved.httpPort());
        grpcPort.set(saved.grpcPort());
        restUrl = Bindings.createStringBinding(() -> state.get() == ServerState.RUNNING
                ? "http://localhost:" + boundHttpPort.get() + "/v2" : "", state, boundHttpPort);
        grpcAddress = Bindings.createStringBinding(() -> state.get() == ServerState.RUNNING
                ? "localhost:" + boundGrpcPort.get() + "  (inference.GRPCInferenceService)" : "", state, boundGrpcPort);
        this.promptInput = promptInput;
        curl = Bindings.createStringBinding(() -> state.get() != ServerState.RUNNING ? "" : curlCommand().shell(),
                state, boundHttpPort, servedModel, promptInput);
        poller = new Timeline(new KeyFrame(Duration.seconds(1), e -> poll()));
        poller.setCycleCount(Timeline.INDEFINITE);
    }

    public void start() {
        if (state.get() != ServerState.STOPPED) {
            return;
        }
        error.set("");
        ServedModel model = workbench.loadedModelProperty().get();
        if (model == null) {
            error.set("No model is loaded: load one on the Model page, then start the server to serve it.");
            return;
        }
        ServeConfig config;
        try {
            // A fresh key per start: other users and web pages on this machine cannot use the server.
            apiKey = newApiKey();
            // No ModelMesh in front of a desktop server: its runtime SPI port stays closed (the default).
            config = ServeConfig.defaults().withHost(HOST)
                    .withPorts(port("HTTP port", httpPort.get()), port("gRPC port", grpcPort.get()))
                    .withShutdownGrace(SHUTDOWN_GRACE)
                    .withAccess(new AccessPolicy(ApiKey.of(apiKey, "the workbench's key"), false, false));
        } catch (IllegalArgumentException e) {
            error.set("Check the ports: " + e.getMessage());
            return;
        }
        InferenceServer.Builder serving = InferenceServer.builder(config, workbench.engine())
                .adopt(model)
                .requestListener(request -> Platform.runLater(() -> record(request)));
        Task<InferenceServer> task = new Task<>() {
            @Override
            protected InferenceServer call() throws Exception {
                updateMessage("Starting the server on ports " + config.httpPort() + " / " + config.grpcPort() + "…");
                updateProgress(-1, 1);
                InferenceServer started = serving.start();
                modelsAtStart = started.models();
                if (isCancelled()) {
                    started.close();
                }
                return started;
            }
        };
        task.setOnSucceeded(e -> {
            server = task.getValue();
            boundHttpPort.set(server.httpPort());
            boundGrpcPort.set(server.grpcPort());
            servedModel.set(model.name());
            state.set(ServerState.RUNNING);
            status.set(describe(modelsAtStart));
            poller.play();
            workbench.activity().finish(task, "Serving " + model.name() + " on http://localhost:" + server.httpPort());
            log.info("Serving {} on HTTP {} and gRPC {}", model.name(), server.httpPort(), server.grpcPort());
        });
        task.setOnFailed(e -> {
            state.set(ServerState.STOPPED);
            status.set("Stopped");
            error.set(UserMessage.of("Could not start the server on ports " + config.httpPort() + " / "
                    + config.grpcPort() + " (is another server using them? choose other ports, 0 = any free port)",
                    task.getException()));
            workbench.activity().finish(task, "Server did not start");
        });
        task.setOnCancelled(e -> {
            state.set(ServerState.STOPPED);
            workbench.activity().finish(task, "Server start cancelled");
        });
        state.set(ServerState.STARTING);
        status.set("Starting…");
        workbench.activity().track(task, () -> task.cancel(false));
        workbench.run(task);
    }

    /** The reference request for the running server, the served model and the Prompt page's input. */
    public CurlCommand curlCommand() {
        return CurlCommand.infer("localhost", boundHttpPort.get(), servedModel.get(),
                promptInput.get() == null ? "" : promptInput.get(), apiKey);
    }

    /** 192 random bits, URL-safe base64: a header carries it as it is. */
    private static String newApiKey() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Stops the server gracefully (in-flight requests finish, a few seconds at most), off the FX thread. */
    public void stop() {
        if (state.get() != ServerState.RUNNING) {
            return;
        }
        InferenceServer running = server;
        poller.stop();
        Task<Void> task = new Task<>() {
            @Override
            protected Void call() {
                updateMessage("Stopping the server (letting running requests finish)…");
                updateProgress(-1, 1);
                running.close();
                return null;
            }
        };
        task.setOnSucceeded(e -> stopped(task, "Server stopped"));
        task.setOnFailed(e -> {
            error.set(UserMessage.of("Stopping the server", task.getException()));
            stopped(task, "Server stopped with an error");
        });
        state.set(ServerState.STOPPING);
        status.set("Stopping…");
        // Stopping is bounded by the shutdown grace; there is nothing sensible to cancel it back to.
        workbench.activity().track(task, null);
        workbench.run(task);
    }

    private void stopped(Task<?> task, String message) {
        server = null;
        state.set(ServerState.STOPPED);
        status.set("Stopped");
        workbench.activity().finish(task, message);
    }

    /** Closes a running server at once when the window closes. */
    public void shutdown() {
        poller.stop();
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private void record(ServedRequest request) {
        requests.addFirst(request);
        if (requests.size() > LOG_ROWS) {
            requests.remove(LOG_ROWS, requests.size());
        }
    }

    private void poll() {
        if (server != null) {
            metrics.set(describe(server.metrics()));
        }
    }

    static String describe(MetricsSnapshot m) {
        return String.format(Locale.ROOT,
                "requests %d · errors %d · mean latency %.1f ms · mean first token %.1f ms · tokens %d · queue %d · models ready %d",
                m.requests(), m.errors(), m.meanLatencyMs(), m.meanTimeToFirstTokenMs(), m.generatedTokens(), m.queueDepth(),
                m.loadedModels());
    }

    private static String describe(List<ModelStatus> models) {
        return "Running · " + models.stream()
                .map(s -> s.name() + " " + s.state() + (s.ready() || s.reason().isEmpty() ? "" : " (" + s.reason() + ")"))
                .collect(Collectors.joining(", "));
    }

    private static int port(String field, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(field + " must be a number between 0 and 65535 (0 = any free port), got '" + text + "'");
        }
    }

    public ServeChoice choice() {
        return new ServeChoice(httpPort.get(), grpcPort.get());
    }

    public StringProperty httpPortProperty() { return httpPort; }
    public StringProperty grpcPortProperty() { return grpcPort; }
    public ReadOnlyObjectProperty<ServerState> stateProperty() { return state; }
    public ReadOnlyStringProperty statusProperty() { return status; }
    public ReadOnlyStringProperty errorProperty() { return error; }
    public ReadOnlyStringProperty metricsProperty() { return metrics; }
    public StringBinding restUrlBinding() { return restUrl; }
    public StringBinding grpcAddressBinding() { return grpcAddress; }
    public StringBinding curlBinding() { return curl; }
    public ObservableList<ServedRequest> requests() { return requests; }
}
