package dev.peftbench.serve.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.TextGeneration;
import dev.peftbench.serve.http.RouteContext;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelStatus;
import dev.peftbench.serve.v2.InferJson;
import dev.peftbench.serve.v2.V2Parameters;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The generate extension (triton_extension_generate.md, generate_rest.yaml): {@code generate} answers
 * one JSON object; {@code generate_stream} answers Server-Sent Events, one per token. Errors before
 * generation starts are normal JSON errors with a 4xx.
 */
public final class GenerateRoutes implements HttpService {

    private final RouteContext http;
    private final ModelRepository repository;
    private final TextGeneration generation;
    private final ObjectMapper json;

    public GenerateRoutes(RouteContext http, ModelRepository repository, TextGeneration generation) {
        this.http = http;
        this.repository = repository;
        this.generation = generation;
        this.json = http.answers().mapper();
    }

    @Override
    public void routing(HttpRules rules) {
        http.post(rules, "/v2/models/{m}[/versions/{v}]/generate", "generate", this::generate);
        http.post(rules, "/v2/models/{m}[/versions/{v}]/generate_stream", "generate_stream", this::stream);
    }

    /**
     * {@code {"id"?, "text_input", "parameters"?}}; any other top-level field is refused by name (as the
     * OpenAI routes refuse theirs), so that a setting put beside {@code parameters} instead of inside is
     * not silently ignored. {@code parameters} stays open: protocol keys such as {@code content_type} pass.
     */
    record GenerateRequest(String id, String textInput, Map<String, Object> parameters) {
        private static final Set<String> FIELDS = Set.of("id", "text_input", "parameters");

        static GenerateRequest of(JsonNode body) {
            if (!body.isObject()) {
                throw ServeException.badRequest("the request body must be a JSON object with \"text_input\"");
            }
            List<String> unknown = body.properties().stream().map(Map.Entry::getKey).filter(k -> !FIELDS.contains(k))
                    .limit(10).toList();
            if (!unknown.isEmpty()) {
                throw ServeException.badRequest("unknown field" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                        + ": a generate request holds id, text_input and parameters; generation settings (max_tokens, stop, "
                        + "stop_token_ids, eos_token_id, temperature...) go inside parameters");
            }
            JsonNode text = body.get("text_input");
            if (text == null || !text.isTextual()) {
                throw ServeException.badRequest("the request needs \"text_input\" as a string");
            }
            JsonNode id = body.get("id");
            if (id != null && !id.isNull() && !id.isTextual()) {
                throw ServeException.badRequest("\"id\" must be a string");
            }
            return new GenerateRequest(id == null || id.isNull() ? null : id.asText(), text.asText(),
                    InferJson.parameters(body.get("parameters")));
        }
    }

    private void generate(ServerRequest req, ServerResponse res) {
        String model = req.path().pathParameters().get("m");
        String version = req.path().pathParameters().first("v").orElse(null);
        ModelStatus found = repository.requireKnown(model, version);
        GenerateRequest g = GenerateRequest.of(http.bodies().require(req));
        GenerationResult r = generation.generateAll(found, List.of(g.textInput()), V2Parameters.of(g.parameters()),
                http.hangUp(req)).getFirst();
        ObjectNode out = header(g.id(), model, version);
        out.put("text_output", r.generatedText());
        out.putObject("details").put("finish_reason", r.finishReason().wireName())
                .put("generated_tokens", r.generatedTokenIds().size());
        http.answers().ok(res, out);
    }

    private void stream(ServerRequest req, ServerResponse res) {
        String model = req.path().pathParameters().get("m");
        String version = req.path().pathParameters().first("v").orElse(null);
        ModelStatus found = repository.requireKnown(model, version);
        GenerateRequest g = GenerateRequest.of(http.bodies().require(req));
        SseGeneration.requireHttp11(req);
        TokenStream tokens = new TokenStream();
        BooleanSupplier clientGone = http.hangUp(req);
        TextGeneration.Stream stream = generation.stream(found, g.textInput(), V2Parameters.of(g.parameters()), tokens);
        SseGeneration.run(res, stream, tokens, new StreamEvents() {
            @Override
            public String token(StreamedToken token) {
                return header(g.id(), model, version).put("text_output", token.delta()).toString();
            }

            @Override
            public String done(GenerationResult r) {
                ObjectNode out = header(g.id(), model, version).put("text_output", "");
                out.putObject("details").put("finish_reason", r.finishReason().wireName())
                        .put("generated_tokens", r.generatedTokenIds().size());
                return out.toString();
            }

            @Override
            public String error(String message) {
                return json.createObjectNode().put("error", message).toString();
            }
        }, generation.timeout(), clientGone);
    }

    private ObjectNode header(String id, String model, String version) {
        ObjectNode out = json.createObjectNode();
        if (id != null) {
            out.put("id", id);
        }
        out.put("model_name", model);
        if (version != null) {
            out.put("model_version", version);
        }
        return out;
    }
}
