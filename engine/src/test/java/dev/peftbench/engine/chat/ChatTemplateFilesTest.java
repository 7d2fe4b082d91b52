package dev.peftbench.engine.chat;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateFilesTest {

    @TempDir
    Path dir;

    private static final Conversation HI = Conversation.of(List.of(ChatMessage.user("hi")));

    private String render() {
        return ChatTemplateFiles.load(dir).render(HI);
    }

    @Test
    void aChatTemplateJinjaFileWinsOverTokenizerConfig() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"config\", \"eos_token\": \"</s>\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "file {{ messages[0].content }}{{ eos_token }}\n");
        assertEquals("file hi</s>", render());
    }

    @Test
    void aListOfNamedTemplatesUsesTheDefaultOne() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "default {{ messages | length }}"}]}""");
        assertEquals("default 1", render());
    }

    @Test
    void aListWithoutADefaultRefusesChatNamingTheTemplates() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "rag", "template": "rag"}]}""");
        EngineException e = assertThrows(EngineException.class, this::render);
        assertTrue(e.getMessage().contains("[tool_use, rag]") && e.getMessage().contains("default"), e.getMessage());
    }

    @Test
    void specialTokensMayBeAddedTokenObjectsAndTheSpecialTokensMapWins() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": "{{ bos_token }}|{{ eos_token }}|{{ unk_token }}|{{ additional_special_tokens | join(',') }}|{{ pad_token is defined }}",
                 "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false}, "eos_token": "</s>", "unk_token": null,
                 "pad_token": null, "additional_special_tokens": ["<a>"]}""");
        Files.writeString(dir.resolve("special_tokens_map.json"), """
                {"eos_token": {"content": "<|end|>", "single_word": false}, "additional_special_tokens": ["<a>", {"content": "<b>"}]}""");
        assertEquals("<s>|<|end|>||<a>,<b>|False", render());
    }

    @Test
    void noTemplateAnywhereRefusesChatSayingWhatToDoInstead() {
        EngineException e = assertThrows(EngineException.class, this::render);
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("no chat template") && e.getMessage().contains("plain prompt"), e.getMessage());
    }

    @Test
    void aBrokenTokenizerConfigFailsTheLoad() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": ");
        EngineException e = assertThrows(EngineException.class, () -> ChatTemplateFiles.load(dir));
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
    }

    @Test
    void templateErrorsNameWhatIsWrong() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ messages | nosuchfilter }}\"}");
        assertEquals("the model's chat template cannot be rendered: No filter named 'nosuchfilter'.",
                assertThrows(EngineException.class, this::render).getMessage());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{% for m in messages %}{{ m.content }}\"}");
        String syntax = assertThrows(EngineException.class, this::render).getMessage();
        assertTrue(syntax.startsWith("the model's chat template cannot be rendered: ") && syntax.contains("endfor"), syntax);
    }

    @Test
    void messageTextIsPrintedNeverRenderedAsATemplate() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ messages[0].content }}\"}");
        Conversation sneaky = Conversation.of(List.of(ChatMessage.user("{{ raise_exception('x') }}{% include 'pom.xml' %}")));
        assertEquals("{{ raise_exception('x') }}{% include 'pom.xml' %}", ChatTemplateFiles.load(dir).render(sneaky));
    }

    @Test
    void templatesCannotReadFiles() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{% include 'pom.xml' %}\"}");
        EngineException e = assertThrows(EngineException.class, this::render);
        assertTrue(e.getMessage().contains("cannot include"), e.getMessage());
    }
}
