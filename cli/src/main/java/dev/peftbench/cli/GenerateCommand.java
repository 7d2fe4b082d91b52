package dev.peftbench.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.serve.openai.ChatMessagesJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code peftbench generate}: one prompt, or one conversation rendered by the model's chat template
 * ({@code --messages}), through the engine, streamed to the terminal, or as one JSON object with
 * {@code --json}. Defaults are the reference scenario: seed template, 10 new tokens, greedy;
 * generation stops at the model's eos ids (generation_config.json's; BLOOM's: the reference scenario's 3).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, modelTransformer = ModelOptions.class,
        description = "Generate text for one prompt with a base model and an optional PEFT adapter.")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--prompt", description = "The input text (the template is applied to it).")
    String prompt;
    @Option(names = "--messages", paramLabel = "FILE",
            description = "A JSON file with a list of {\"role\", \"content\"} messages, rendered by the model's own chat template (instead of --prompt).")
    Path messages;
    @Option(names = "--chat-template-kwargs", paramLabel = "JSON",
            description = "Extra chat template variables as a JSON object, e.g. '{\"date_string\": \"26 Jul 2024\"}'.")
    String chatTemplateKwargs;
    @Option(names = "--max-new-tokens", description = "Default 10.")
    int maxNewTokens = 10;
    @Option(names = "--eos-token-id", split = ",", description = "One or more ids that end generation. Default: the model's "
            + "(generation_config.json's eos_token_id; 3 for BLOOM, as the reference scenario).")
    List<Integer> eosTokenIds;
    @Option(names = "--temperature", description = "0 = greedy (default).")
    double temperature = 0;
    @Option(names = "--top-k", description = "0 = off (default).")
    int topK = 0;
    @Option(names = "--top-p", description = "1 = off (default).")
    double topP = 1.0;
    @Option(names = "--repetition-penalty", description = "1 = off (default).")
    double repetitionPenalty = 1.0;
    @Option(names = "--seed", description = "Seed for sampling (reproducible runs).")
    Long seed;
    @Option(names = "--stop", description = "Stop string (repeatable).")
    List<String> stop = List.of();
    @Option(names = "--json", description = "Print exactly one JSON object instead of streaming.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((prompt == null) == (messages == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give one of --prompt TEXT or --messages FILE");
        }
        if (chatTemplateKwargs != null && messages == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--chat-template-kwargs needs --messages");
        }
        Conversation chat = messages == null ? null : conversation();
        SamplingParams params = new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, repetitionPenalty,
                seed, stop);
        ModelSpec modelSpec = ModelOptions.spec(spec, System.getenv(), err::println);
        try (Engine engine = new Engine(ModelOptions.engineOptions(spec, System.getenv(), EngineOptions.defaults()))) {
            engine.load("cli", modelSpec, ModelOptions.progressTo(err));
            TokenListener listener = json ? TokenListener.NONE : (id, delta) -> {
                out.print(delta);
                out.flush();
            };
            if (!json) {
                out.print(chat == null ? modelSpec.template().apply(prompt) : engine.renderChat("cli", chat));
                out.flush();
            }
            GenerationRequest request = chat == null ? new GenerationRequest("cli", prompt, null, params, true)
                    : GenerationRequest.chat("cli", chat, params, true);
            GenerationResult result = engine.generate(request, listener);
            if (json) {
                out.println(toJson(result));
            } else {
                out.println();
                int n = result.generatedTokenIds().size();
                err.printf("%d tokens, time to first token %.1f ms, %.1f tokens/s, finish: %s%n", n,
                        result.timings().timeToFirstTokenNanos() / 1e6, result.timings().decodeTokensPerSecond(n),
                        result.finishReason().wireName());
            }
            out.flush();
            return 0;
        }
    }

    /** The messages file and the template variables, each checked with a message naming what is wrong. */
    private Conversation conversation() {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode list;
        try {
            list = mapper.readTree(Files.readString(messages));
        } catch (NoSuchFileException e) {
            throw EngineException.notFound("--messages file " + messages + " does not exist");
        } catch (JsonProcessingException e) {
            throw EngineException.invalid(JsonProblem.describe("--messages file " + messages, e));
        } catch (IOException e) {
            throw EngineException.invalid("--messages file " + messages + " cannot be read: " + e.getMessage());
        }
        Map<String, Object> variables = Map.of();
        if (chatTemplateKwargs != null) {
            try {
                variables = ChatMessagesJson.templateVariables(mapper.readTree(chatTemplateKwargs));
            } catch (JsonProcessingException e) {
                throw EngineException.invalid(JsonProblem.describe("--chat-template-kwargs", e));
            }
        }
        try {
            return new Conversation(ChatMessagesJson.parse(list), true, variables);
        } catch (EngineException e) {
            throw EngineException.invalid("--messages file " + messages + ": " + e.getMessage());
        }
    }

    static String toJson(GenerationResult result) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        node.put("prompt", result.prompt());
        node.set("prompt_token_ids", mapper.valueToTree(result.promptTokenIds()));
        node.set("generated_token_ids", mapper.valueToTree(result.generatedTokenIds()));
        node.put("text", result.text());
        node.put("generated_text", result.generatedText());
        node.put("finish_reason", result.finishReason().wireName());
        ObjectNode timings = node.putObject("timings");
        GenerationResult.Timings t = result.timings();
        timings.put("time_to_first_token_ms", t.timeToFirstTokenNanos() / 1e6);
        timings.put("total_ms", t.totalNanos() / 1e6);
        timings.put("decode_tokens_per_s", t.decodeTokensPerSecond(result.generatedTokenIds().size()));
        return node.toString();
    }
}
