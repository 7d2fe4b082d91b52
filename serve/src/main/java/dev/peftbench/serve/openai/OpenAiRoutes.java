package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.FinishReason;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.TokenLogprobs;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.TextGeneration;
import dev.peftbench.serve.generate.SseGeneration;
import dev.peftbench.serve.generate.StreamEvents;
import dev.peftbench.serve.generate.StreamedToken;
import dev.peftbench.serve.generate.TokenStream;
import dev.peftbench.serve.http.RouteContext;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelStatus;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * OpenAI-compatible {@code GET /v1/models} (the models ready to answer), {@code GET /v1/models/{id}},
 * {@code POST /v1/completions} and
 * {@code POST /v1/chat/completions} (the model's own chat template applied, as vLLM does), with
 * {@code stream: true} as Server-Sent Events ending in {@code data: [DONE]}, and OpenAI's error body on
 * every failure, so that OpenAI clients work unchanged.
 */
public final class OpenAiRoutes implements HttpService {

    private final RouteContext http;
    private final ModelRepository repository;
    private final TextGeneration generation;
    private final ObjectMapper json;
    private final OpenAiErrors errors;

    public OpenAiRoutes(RouteContext http, ModelRepository repository, TextGeneration generation) {
        this.http = http;
        this.repository = repository;
        this.generation = generation;
        this.json = http.answers().mapper();
        this.errors = new OpenAiErrors(http.answers());
    }

    @Override
    public void routing(HttpRules rules) {
        http.get(rules, "/v1/models", "openai_models", this::models, errors);
        http.get(rules, "/v1/models/{id}", "openai_model", this::model, errors);
        http.post(rules, "/v1/completions", "openai_completions", this::completions, errors);
        http.post(rules, "/v1/chat/completions", "openai_chat_completions", this::chatCompletions, errors);
    }

    private void models(ServerRequest req, ServerResponse res) {
        ObjectNode out = json.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (ModelStatus s : repository.index()) {
            if (s.ready()) {
                data.add(modelObject(s));
            }
        }
        http.answers().ok(res, out);
    }

    /** OpenAI's retrieve-model: a model that can answer now; any other name is 404, with the reason when it is known. */
    private void model(ServerRequest req, ServerResponse res) {
        ModelStatus s = repository.requireKnown(req.path().pathParameters().get("id"), null);
        if (!s.ready()) {
            throw ServeException.notFound("model '" + s.name() + "' is not available: " + s.reason());
        }
        http.answers().ok(res, modelObject(s));
    }

    private ObjectNode modelObject(ModelStatus s) {
        return json.createObjectNode().put("id", s.name()).put("object", "model").put("created", 0).put("owned_by", "peftbench");
    }

    private String defaultModel() {
        List<ModelStatus> models = repository.index();
        return models.size() == 1 ? models.getFirst().name() : null;
    }

    private void completions(ServerRequest req, ServerResponse res) {
        CompletionRequest c = CompletionRequest.of(http.bodies().require(req), defaultModel());
        Reply reply = new Reply("cmpl-", "text_completion", c.model());
        if (c.stream()) {
            SseGeneration.requireHttp11(req);
            TokenStream tokens = new TokenStream();
            BooleanSupplier clientGone = http.hangUp(req);
            TextGeneration.Stream stream = generation.stream(repository.requireKnown(c.model(), null), c.prompts().getFirst(),
                    c.parameters(), tokens);
            OpenAiLogprobs.Legacy legacy = new OpenAiLogprobs.Legacy(json, 0);
            SseGeneration.run(res, stream, tokens, reply.events(null,
                    delta -> choice -> choice.put("text", delta),
                    choice -> choice.put("text", ""),
                    c.includeUsage(), c.logprobs() == null ? null : legacy::next), generation.timeout(), clientGone);
            return;
        }
        List<GenerationResult> results = generation.generateAll(repository.requireKnown(c.model(), null), c.prompts(),
                c.parameters(), http.hangUp(req));
        ObjectNode out = reply.header();
        ArrayNode choices = out.putArray("choices");
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            // Echo: the prompt as the model saw it (template applied), then the answer.
            String prompt = c.echo() ? r.prompt() : "";
            ObjectNode choice = choices.addObject().put("index", i).put("text", prompt + r.generatedText());
            if (c.logprobs() == null) {
                choice.putNull("logprobs");
            } else {
                OpenAiLogprobs.Legacy legacy = new OpenAiLogprobs.Legacy(json, 0);
                ObjectNode logprobs = legacy.next(r.promptLogprobs());
                legacy.append(logprobs, r.logprobs(), prompt.length());
                choice.set("logprobs", logprobs);
            }
            choice.put("finish_reason", finishReason(r.finishReason()));
        }
        out.set("usage", usage(results));
        http.answers().ok(res, out);
    }

    private void chatCompletions(ServerRequest req, ServerResponse res) {
        ChatCompletionRequest c = ChatCompletionRequest.of(http.bodies().require(req, ChatBounds.MAX_BODY_BYTES, ChatBounds.LIMIT,
                new ChatBounds()), defaultModel());
        Reply reply = new Reply("chatcmpl-", "chat.completion.chunk", c.model());
        if (c.stream()) {
            SseGeneration.requireHttp11(req);
            TokenStream tokens = new TokenStream();
            BooleanSupplier clientGone = http.hangUp(req);
            TextGeneration.Stream stream = generation.streamChat(repository.requireKnown(c.model(), null), c.conversation(),
                    c.parameters(), tokens);
            SseGeneration.run(res, stream, tokens, reply.events(
                    choice -> choice.putObject("delta").put("role", "assistant").put("content", ""),
                    delta -> choice -> choice.putObject("delta").put("content", delta),
                    choice -> choice.putObject("delta"),
                    c.includeUsage(), c.topLogprobs() == null ? null : t -> OpenAiLogprobs.chat(json, t)), generation.timeout(), clientGone);
            return;
        }
        GenerationResult r = generation.generateChat(repository.requireKnown(c.model(), null), c.conversation(),
                c.parameters(), http.hangUp(req));
        ObjectNode out = new Reply("chatcmpl-", "chat.completion", c.model()).header();
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", r.generatedText());
        if (c.topLogprobs() == null) {
            choice.putNull("logprobs");
        } else {
            choice.set("logprobs", OpenAiLogprobs.chat(json, r.logprobs()));
        }
        choice.put("finish_reason", finishReason(r.finishReason()));
        out.set("usage", usage(List.of(r)));
        http.answers().ok(res, out);
    }

    private ObjectNode usage(List<GenerationResult> results) {
        int prompt = results.stream().mapToInt(r -> r.promptTokenIds().size()).sum();
        int completion = results.stream().mapToInt(r -> r.generatedTokenIds().size()).sum();
        return json.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    /** OpenAI knows only "length" and "stop" (eos or a stop string). */
    static String finishReason(FinishReason r) {
        return r == FinishReason.LENGTH ? "length" : "stop";
    }

    /** One answer's id, time and model, shared by all its chunks. */
    private final class Reply {
        private final String id;
        private final String object;
        private final String model;
        private final long created = Instant.now().getEpochSecond();

        Reply(String idPrefix, String object, String model) {
            this.id = idPrefix + UUID.randomUUID();
            this.object = object;
            this.model = model;
        }

        ObjectNode header() {
            ObjectNode out = json.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model);
            out.putNull("system_fingerprint");
            return out;
        }

        /** A streamed chunk with one choice, filled by {@code content}, with {@code logprobs} (null: none asked). */
        String chunk(Consumer<ObjectNode> content, ObjectNode logprobs, String finishReason) {
            ObjectNode out = header();
            ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
            content.accept(choice);
            if (logprobs == null) {
                choice.putNull("logprobs");
            } else {
                choice.set("logprobs", logprobs);
            }
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
            return out.toString();
        }

        /**
         * @param first    fills the chunk sent before any token, or null for none
         * @param token    fills a token's chunk
         * @param last     fills the chunk that carries the finish reason
         * @param logprobs writes the log-probabilities of a chunk's tokens; null when none were asked for
         */
        StreamEvents events(Consumer<ObjectNode> first, Function<String, Consumer<ObjectNode>> token,
                            Consumer<ObjectNode> last, boolean includeUsage,
                            Function<List<TokenLogprobs>, ObjectNode> logprobs) {
            return new StreamEvents() {
                /** Tokens not sent yet: each chunk carries the log-probabilities of the tokens its text came from. */
                private final List<TokenLogprobs> pending = new ArrayList<>();

                private ObjectNode takePending() {
                    if (logprobs == null) {
                        return null;
                    }
                    ObjectNode out = logprobs.apply(pending);
                    pending.clear();
                    return out;
                }

                @Override
                public String start() {
                    return first == null ? null : chunk(first, null, null);
                }

                /** OpenAI sends no empty deltas: a token that completes no character waits for the next. */
                @Override
                public String token(StreamedToken t) {
                    if (t.logprobs() != null) {
                        pending.add(t.logprobs());
                    }
                    return t.delta().isEmpty() ? null : chunk(token.apply(t.delta()), takePending(), null);
                }

                /** The last chunk carries the tokens that added no text (an eos). */
                @Override
                public String done(GenerationResult r) {
                    return chunk(last, takePending(), finishReason(r.finishReason()));
                }

                @Override
                public String summary(GenerationResult r) {
                    if (!includeUsage) {
                        return null;
                    }
                    ObjectNode out = header();
                    out.putArray("choices");
                    out.set("usage", usage(List.of(r)));
                    return out.toString();
                }

                @Override
                public String error(String message) {
                    return OpenAiErrors.body(json, new ServeException(Failure.INTERNAL, message)).toString();
                }

                @Override
                public String terminator() {
                    return "[DONE]";
                }
            };
        }
    }
}
