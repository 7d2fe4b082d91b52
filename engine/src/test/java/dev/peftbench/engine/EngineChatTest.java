package dev.peftbench.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.chat.ChatMessage;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chat requests end to end on the tiny BLOOM given a ChatML-style chat template: the template's text is
 * the prompt, tokenized as it is, and generation continues from it exactly as from the same text sent
 * as a raw prompt.
 */
class EngineChatTest {

    static final String CHATML = """
            {%- for message in messages %}
                {%- if message['role'] not in ['system', 'user', 'assistant'] %}
                    {{- raise_exception('Unknown role "' ~ message['role'] ~ '"') }}
                {%- endif %}
            {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] | trim + eos_token + '\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    @TempDir
    static Path models;
    private static Engine engine;
    private static final SamplingParams PARAMS = SamplingParams.DEFAULT.withMaxNewTokens(6).withEosTokenIds(List.of());

    @BeforeAll
    static void start() throws IOException {
        Path chat = Files.createDirectory(models.resolve("tiny-bloom-chat"));
        try (var files = Files.list(Golden.FIXTURES.resolve("tiny-bloom"))) {
            for (Path f : files.toList()) {
                Files.copy(f, chat.resolve(f.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(chat.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", CHATML);
        json.writeValue(chat.resolve("tokenizer_config.json").toFile(), config);
        engine = new Engine(new EngineOptions(8, 8, 2));
        engine.load("chat", ModelSpec.of(chat.toString(), null, null), LoadProgress.NONE);
        engine.load("plain", ModelSpec.of(Golden.FIXTURES.resolve("tiny-bloom").toString(), null, null), LoadProgress.NONE);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static Conversation conversation() {
        return Conversation.of(List.of(ChatMessage.system("Be brief."), ChatMessage.user("  Hi there  "),
                ChatMessage.assistant("Hello!"), ChatMessage.user("Classify: great service")));
    }

    @Test
    void chatPromptIsTheRenderedTemplateAndContinuesLikeTheSameRawText() {
        GenerationResult chat = engine.generate(GenerationRequest.chat("chat", conversation(), PARAMS, true), TokenListener.NONE);
        String expected = "<|im_start|>system\nBe brief.</s>\n<|im_start|>user\nHi there</s>\n"
                + "<|im_start|>assistant\nHello!</s>\n<|im_start|>user\nClassify: great service</s>\n<|im_start|>assistant\n";
        assertEquals(expected, chat.prompt());
        assertEquals(expected, engine.renderChat("chat", conversation()));
        GenerationResult raw = engine.generate(new GenerationRequest("chat", expected, new PromptTemplate.Raw(), PARAMS, true),
                TokenListener.NONE);
        assertEquals(raw.promptTokenIds(), chat.promptTokenIds());
        assertEquals(raw.generatedTokenIds(), chat.generatedTokenIds());
        assertEquals(raw.generatedText(), chat.generatedText());
        assertTrue(chat.promptTokenIds().contains(2), "the template's eos_token </s> is one special token, id 2");
    }

    @Test
    void extraTemplateVariablesReachTheTemplate() {
        Conversation withKwargs = new Conversation(List.of(ChatMessage.user("x")), false, Map.of("eos_token", "<END>"));
        assertEquals("<|im_start|>user\nx<END>\n", engine.renderChat("chat", withKwargs));
    }

    @Test
    void aTemplateRefusingTheConversationIsAnInvalidRequestWithItsMessage() {
        Conversation bad = Conversation.of(List.of(new ChatMessage("robot", "beep")));
        EngineException e = assertThrows(EngineException.class,
                () -> engine.submit(GenerationRequest.chat("chat", bad, PARAMS, true), TokenListener.NONE));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertEquals("chat template: Unknown role \"robot\"", e.getMessage());
    }

    @Test
    void aModelWithoutAChatTemplateRefusesChatAndSaysSo() {
        EngineException e = assertThrows(EngineException.class, () -> engine.submit(
                GenerationRequest.chat("plain", conversation(), PARAMS, true), TokenListener.NONE));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("has no chat template"), e.getMessage());
    }

    @Test
    void aRequestIsEitherTextOrChat() {
        assertThrows(EngineException.class, () -> new GenerationRequest("chat", "text", null, PARAMS, true, conversation()));
        assertThrows(EngineException.class, () -> Conversation.of(List.of()));
        assertThrows(EngineException.class, () -> new Conversation(List.of(ChatMessage.user("x")), true, Map.of("messages", "no")));
    }
}
