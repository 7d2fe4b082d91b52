package dev.peftbench.engine.chat;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chat templates of real instruct models (src/test/resources/chat/real, as published in their
 * tokenizer_config.json) on a system prompt and a multi-turn conversation. Each expected string was
 * checked by hand against the model's documented prompt format and equals what jinja2 renders in
 * transformers' environment.
 */
class RealChatTemplatesTest {

    private static final ChatMessage SYSTEM = ChatMessage.system("You are a concise assistant. ");
    private static final ChatMessage QUESTION = ChatMessage.user("What is the capital of France?");
    private static final ChatMessage ANSWER = ChatMessage.assistant("Paris.");
    private static final ChatMessage FOLLOW_UP = ChatMessage.user("And of Japan? Answer in one word.");
    private static final List<ChatMessage> MULTI_TURN = List.of(SYSTEM, QUESTION, ANSWER, FOLLOW_UP);

    private static ChatTemplate template(String name, Map<String, Object> tokens) throws IOException {
        return ChatTemplate.of(Files.readString(Path.of("src/test/resources/chat/real", name + ".jinja")), tokens);
    }

    private static String render(String name, Map<String, Object> tokens, List<ChatMessage> messages,
                                 Map<String, Object> variables) throws IOException {
        return template(name, tokens).render(new Conversation(messages, true, variables));
    }

    @Test
    void llama31PutsTheTrimmedSystemPromptAfterTheDateLineAndUsesTheGivenDateString() throws IOException {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + "Cutting Knowledge Date: December 2023\nToday Date: 01 Jan 2025\n\n"
                        + "You are a concise assistant.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nParis.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nAnd of Japan? Answer in one word.<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                render("llama-3.1-8b-instruct", Map.of("bos_token", "<|begin_of_text|>", "eos_token", "<|eot_id|>"),
                        MULTI_TURN, Map.of("date_string", "01 Jan 2025")));
    }

    @Test
    void llama32DatesTheSystemHeaderWithStrftimeNow() throws IOException {
        // strftime_now("%d %b %Y") of the local date, as transformers' datetime.now(); read on both sides of the
        // rendering, so a run across midnight passes too.
        DateTimeFormatter day = DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH);
        String before = LocalDate.now().format(day);
        String prompt = template("llama-3.2-1b-instruct", Map.of("bos_token", "<|begin_of_text|>", "eos_token", "<|eot_id|>"))
                .render(Conversation.of(List.of(QUESTION)));
        String after = LocalDate.now().format(day);
        String expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: %s\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        assertTrue(prompt.equals(expected.formatted(before)) || prompt.equals(expected.formatted(after)), prompt);
    }

    @Test
    void qwen25KeepsTheSystemPromptVerbatimAndAddsItsDefaultWithoutOne() throws IOException {
        Map<String, Object> tokens = Map.of("eos_token", "<|im_end|>", "pad_token", "<|endoftext|>");
        assertEquals("<|im_start|>system\nYou are a concise assistant. <|im_end|>\n"
                + "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
                + "<|im_start|>assistant\nParis.<|im_end|>\n"
                + "<|im_start|>user\nAnd of Japan? Answer in one word.<|im_end|>\n"
                + "<|im_start|>assistant\n", render("qwen2.5-7b-instruct", tokens, MULTI_TURN, Map.of()));
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
                + "<|im_start|>assistant\n", render("qwen2.5-7b-instruct", tokens, List.of(QUESTION), Map.of()));
    }

    @Test
    void qwen3DropsEarlierReasoningAndClosesThinkingWhenDisabled() throws IOException {
        List<ChatMessage> messages = List.of(QUESTION,
                ChatMessage.assistant("<think>\nThe user asks about France.\n</think>\n\nParis."), FOLLOW_UP);
        assertEquals("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
                        + "<|im_start|>assistant\nParis.<|im_end|>\n"
                        + "<|im_start|>user\nAnd of Japan? Answer in one word.<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\n\n</think>\n\n",
                render("qwen3-0.6b", Map.of("eos_token", "<|im_end|>"), messages, Map.of("enable_thinking", false)));
    }

    @Test
    void gemmaCallsTheAssistantModelAndRefusesASystemMessage() throws IOException {
        Map<String, Object> tokens = Map.of("bos_token", "<bos>", "eos_token", "<eos>");
        assertEquals("<bos><start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n"
                + "<start_of_turn>model\nParis.<end_of_turn>\n"
                + "<start_of_turn>user\nAnd of Japan? Answer in one word.<end_of_turn>\n"
                + "<start_of_turn>model\n", render("gemma-2-2b-it", tokens, List.of(QUESTION, ANSWER, FOLLOW_UP), Map.of()));
        EngineException e = assertThrows(EngineException.class,
                () -> render("gemma-2-2b-it", tokens, List.of(SYSTEM, QUESTION), Map.of()));
        assertEquals("chat template: System role not supported", e.getMessage());
    }

    @Test
    void phi3EndsEachTurnWithEnd() throws IOException {
        assertEquals("<|system|>\nYou are a concise assistant. <|end|>\n<|user|>\nWhat is the capital of France?<|end|>\n"
                        + "<|assistant|>\nParis.<|end|>\n<|user|>\nAnd of Japan? Answer in one word.<|end|>\n<|assistant|>\n",
                render("phi-3-mini-4k-instruct", Map.of("bos_token", "<s>", "eos_token", "<|endoftext|>"), MULTI_TURN, Map.of()));
    }

    @Test
    void zephyrRendersItsLineTemplateWithTrimBlocks() throws IOException {
        assertEquals("<|system|>\nYou are a concise assistant. </s>\n<|user|>\nWhat is the capital of France?</s>\n"
                        + "<|assistant|>\nParis.</s>\n<|user|>\nAnd of Japan? Answer in one word.</s>\n<|assistant|>\n",
                render("zephyr-7b-beta", Map.of("bos_token", "<s>", "eos_token", "</s>"), MULTI_TURN, Map.of()));
    }

    @Test
    void mistralWrapsUserTurnsInInstAndRefusesTwoUsersInARow() throws IOException {
        Map<String, Object> tokens = Map.of("bos_token", "<s>", "eos_token", "</s>");
        assertEquals("<s>[INST] What is the capital of France? [/INST]Paris.</s>[INST] And of Japan? Answer in one word. [/INST]",
                render("mistral-7b-instruct-v0.2", tokens, List.of(QUESTION, ANSWER, FOLLOW_UP), Map.of()));
        EngineException e = assertThrows(EngineException.class,
                () -> render("mistral-7b-instruct-v0.2", tokens, List.of(QUESTION, FOLLOW_UP), Map.of()));
        assertEquals("chat template: Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }
}
