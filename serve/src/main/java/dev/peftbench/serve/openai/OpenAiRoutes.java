package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.FinishReason;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.serve.TextGeneration;
import dev.peftbench.serve.generate.SseGeneration;
import dev.peftbench.serve.generate.StreamEvents;
import dev.peftbench.serve.generate.TokenStream;
import dev.peftbench.serve.http.RouteContext;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelStatus;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * OpenAI-compatible {@code GET /v1/models} and {@code POST /v1/completions} (with {@code stream: true}
 * as SSE ending in {@code [DONE]}), so that common tools can talk to the server.
 */
public final class OpenAiRoutes implements HttpService {

    private final RouteContext http;
    private final ModelRepository repository;
    private final TextGeneration generation;
    private final ObjectMapper json;

    public OpenAiRoutes(RouteContext http, ModelRepository repository, TextGeneration generation) {
        this.http = http;
        this.repository = repository;
        this.generation = generation;
        this.json = http.answers().mapper();
    }

    @Override
    public void routing(HttpRules rules) {
        http.get(rules, "/v1/models", "openai_models", this::models);
        http.post(rules, "/v1/completions", "openai_completions", this::completions);
    }

    private void models(ServerRequest req, ServerResponse res) {
        ObjectNode out = json.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (ModelStatus s : repository.index()) {
            data.addObject().put("id", s.name()).put("object", "model").put("created", 0).put("owned_by", "peftbench");
        }
        http.answers().ok(res, out);
    }

    private void completions(ServerRequest req, ServerResponse res) {
        List<ModelStatus> models = repository.index();
        CompletionRequest c = CompletionRequest.of(http.bodies().require(req),
                models.size() == 1 ? models.getFirst().name() : null);
        String id = "cmpl-" + UUID.randomUUID();
        long created = Instant.now().getEpochSecond();
        if (c.stream()) {
            SseGeneration.requireHttp11(req);
            TokenStream tokens = new TokenStream();
            TextGeneration.Stream stream = generation.stream(c.model(), null, c.prompts().getFirst(), c.parameters(), tokens);
            SseGeneration.run(res, stream, tokens, new StreamEvents() {
                @Override
                public String token(String delta) {
                    return chunk(id, created, c.model(), delta, null).toString();
                }

                @Override
                public String done(GenerationResult r) {
                    return chunk(id, created, c.model(), "", finishReason(r.finishReason())).toString();
                }

                @Override
                public String error(String message) {
                    ObjectNode e = json.createObjectNode();
                    e.putObject("error").put("message", message);
                    return e.toString();
                }

                @Override
                public String terminator() {
                    return "[DONE]";
                }
            }, generation.timeout());
            return;
        }
        List<GenerationResult> results = generation.generateAll(c.model(), null, c.prompts(), c.parameters(),
                http.hangUp(req));
        ObjectNode out = header(id, created, c.model());
        ArrayNode choices = out.putArray("choices");
        int promptTokens = 0;
        int completionTokens = 0;
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            choices.addObject().put("text", r.generatedText()).put("index", i).putNull("logprobs")
                    .put("finish_reason", finishReason(r.finishReason()));
            promptTokens += r.promptTokenIds().size();
            completionTokens += r.generatedTokenIds().size();
        }
        out.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        http.answers().ok(res, out);
    }

    private ObjectNode chunk(String id, long created, String model, String text, String finish) {
        ObjectNode out = header(id, created, model);
        ObjectNode choice = out.putArray("choices").addObject().put("text", text).put("index", 0);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return out;
    }

    private ObjectNode header(String id, long created, String model) {
        return json.createObjectNode().put("id", id).put("object", "text_completion").put("created", created)
                .put("model", model);
    }

    /** OpenAI knows only "length" and "stop" (eos or a stop string). */
    static String finishReason(FinishReason r) {
        return r == FinishReason.LENGTH ? "length" : "stop";
    }
}
