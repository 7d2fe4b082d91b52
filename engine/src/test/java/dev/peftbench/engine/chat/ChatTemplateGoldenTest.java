package dev.peftbench.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> rendersEveryGoldenPromptExactly() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.chatNames().toList()) {
            JsonNode golden = JSON.readTree(Golden.file(name).toFile());
            ChatTemplate template = ChatTemplateFiles.load(Golden.folder(golden.get("model").asText()));
            int i = 0;
            for (JsonNode row : golden.get("rows")) {
                tests.add(DynamicTest.dynamicTest(name + " row " + i++, () ->
                        assertEquals(row.get("prompt").asText(), template.render(conversation(golden, row)))));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> refusesWithTheTemplatesOwnMessage() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.chatErrorNames().toList()) {
            JsonNode golden = JSON.readTree(Golden.file(name).toFile());
            ChatTemplate template = ChatTemplateFiles.load(Golden.folder(golden.get("model").asText()));
            for (JsonNode row : golden.get("rows")) {
                tests.add(DynamicTest.dynamicTest(name + ": " + row.get("error").asText(), () -> {
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
