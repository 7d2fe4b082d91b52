package dev.peftbench.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The fixtures' chat goldens (prompts rendered by jinja2 as transformers renders them, and the exact
 * texts their templates raise) against each tiny model's own tokenizer_config.json.
 */
class ChatTemplateGoldenTest {

    static final Path CHAT = Golden.LLAMA_FIXTURES;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> rendersEveryGoldenPromptExactly() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String family : List.of("llama", "qwen2", "qwen3", "mistral")) {
            JsonNode golden = JSON.readTree(CHAT.resolve("goldens/" + family + "-chat.json").toFile());
            ChatTemplate template = ChatTemplateFiles.load(CHAT.resolve(golden.get("model").asText()));
            int i = 0;
            for (JsonNode row : golden.get("rows")) {
                tests.add(DynamicTest.dynamicTest(family + " row " + i++, () ->
                        assertEquals(row.get("prompt").asText(), template.render(conversation(golden, row)))));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> refusesWithTheTemplatesOwnMessage() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String family : List.of("llama", "qwen2", "mistral")) {
            JsonNode golden = JSON.readTree(CHAT.resolve("goldens/" + family + "-chat-errors.json").toFile());
            ChatTemplate template = ChatTemplateFiles.load(CHAT.resolve(golden.get("model").asText()));
            for (JsonNode row : golden.get("rows")) {
                tests.add(DynamicTest.dynamicTest(family + ": " + row.get("error").asText(), () -> {
                    EngineException e = assertThrows(EngineException.class, () -> template.render(conversation(golden, row)));
                    assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
                    assertEquals("chat template: " + row.get("error").asText(), e.getMessage());
                }));
            }
        }
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    static Conversation conversation(JsonNode golden, JsonNode row) {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : row.get("messages")) {
            messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        return new Conversation(messages, golden.get("add_generation_prompt").asBoolean(),
                JSON.convertValue(golden.get("chat_template_kwargs"), Map.class));
    }

}
