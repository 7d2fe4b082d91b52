package dev.peftbench.serve.v2.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.score.LabelScores;
import dev.peftbench.serve.SamplingFields;
import dev.peftbench.serve.TextGeneration;
import dev.peftbench.serve.health.ServerHealth;
import dev.peftbench.serve.http.RouteContext;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelStatus;
import dev.peftbench.serve.v2.InferJson;
import dev.peftbench.serve.v2.InferRequest;
import dev.peftbench.serve.v2.InferResponse;
import dev.peftbench.serve.v2.ModelMetadata;
import dev.peftbench.serve.v2.ScoreResponse;
import dev.peftbench.serve.v2.V2Parameters;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;
import java.util.Map;

/** The v2 REST endpoints (Open Inference Protocol, inference_rest.md: metadata, infer; health is {@code HealthRoutes}). */
public final class V2Routes implements HttpService {

    private final RouteContext http;
    private final ServerHealth health;
    private final ModelRepository repository;
    private final TextGeneration generation;
    private final InferJson codec;

    public V2Routes(RouteContext http, ServerHealth health, ModelRepository repository, TextGeneration generation) {
        this.http = http;
        this.health = health;
        this.repository = repository;
        this.generation = generation;
        this.codec = new InferJson(http.answers().mapper());
    }

    @Override
    public void routing(HttpRules rules) {
        http.get(rules, "/v2", "server_metadata", (req, res) ->
                http.answers().ok(res, Map.of("name", ServerHealth.SERVER_NAME, "version", health.version(),
                        "extensions", ServerHealth.EXTENSIONS)));
        http.get(rules, "/v2/models/{m}[/versions/{v}]/ready", "model_ready", this::modelReady);
        http.get(rules, "/v2/models/{m}[/versions/{v}]", "model_metadata", this::modelMetadata);
        http.post(rules, "/v2/models/{m}[/versions/{v}]/infer", "infer", this::infer);
    }

    private void modelReady(ServerRequest req, ServerResponse res) {
        ModelStatus s = repository.requireKnown(model(req), version(req));
        // not ready is a 4xx/503 with the reason: the spec's probe semantics (any non-200 = not ready)
        if (s.ready()) {
            http.answers().ok(res, Map.of("name", s.name(), "ready", true));
        } else {
            http.answers().send(res, Status.SERVICE_UNAVAILABLE_503.code(),
                    Map.of("name", s.name(), "ready", false, "error", "model '" + s.name() + "' is not ready: " + s.reason()));
        }
    }

    private void modelMetadata(ServerRequest req, ServerResponse res) {
        ModelStatus s = repository.requireKnown(model(req), version(req));
        http.answers().ok(res, ModelMetadata.of(s));
    }

    private void infer(ServerRequest req, ServerResponse res) {
        String model = model(req);
        String version = version(req);
        ModelStatus found = repository.requireKnown(model, version);
        InferRequest request = codec.decode(http.bodies().require(req));
        SamplingFields parameters = V2Parameters.of(request.parameters());
        if (request.scoring()) {
            LabelScores scores = generation.scoreAll(found, request.texts(), request.labels(), parameters, http.hangUp(req));
            http.answers().ok(res, codec.encode(ScoreResponse.of(model, version, request.id(), scores), request.form()));
            return;
        }
        List<GenerationResult> results = generation.generateAll(found, request.texts(), parameters, http.hangUp(req));
        InferResponse answer = new InferResponse(model, version, request.id(),
                results.stream().map(GenerationResult::text).toList());
        ObjectNode body = codec.encode(answer, request.form());
        http.answers().ok(res, body);
    }

    static String model(ServerRequest req) {
        return req.path().pathParameters().get("m");
    }

    static String version(ServerRequest req) {
        return req.path().pathParameters().first("v").orElse(null);
    }
}
