package dev.peftbench.serve;

import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.serve.v2.V2Parameters;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplingOverridesTest {

    /** v2 parameters, as the v2 routes map them onto the engine's fields. */
    private static SamplingParams v2(Map<String, ?> parameters) {
        return SamplingOverrides.apply(SamplingParams.DEFAULT, V2Parameters.of(parameters));
    }

    private static SamplingParams v2(Map<String, ?> parameters, Supplier<List<Integer>> modelEndIds) {
        return SamplingOverrides.apply(SamplingParams.DEFAULT, V2Parameters.of(parameters), modelEndIds);
    }

    @Test
    void requestParametersOverrideTheDefaults() {
        SamplingParams p = v2(Map.of("max_new_tokens", 3L,
                "temperature", 0.7, "top_p", "0.9", "top_k", 5L, "seed", 11L, "stop", List.of("!"),
                "content_type", "str"));
        assertEquals(3, p.maxNewTokens());
        assertEquals(0.7, p.temperature());
        assertEquals(0.9, p.topP());
        assertEquals(5, p.topK());
        assertEquals(11L, p.seed());
        assertEquals(List.of("!"), p.stop());
        assertEquals(SamplingParams.DEFAULT.eosTokenIds(), p.eosTokenIds());
    }

    @Test
    void endIdsReplaceOrAddToTheModelsOwn() {
        assertEquals(List.of(7, 9), v2(Map.of("eos_token_id", List.of(7L, 9L)),
                () -> List.of(2)).eosTokenIds());
        assertEquals(List.of(7), v2(Map.of("eos_token_id", 7L), () -> List.of(2))
                .eosTokenIds());
        assertEquals(List.of(2, 5, 6), v2(Map.of("stop_token_ids", List.of(5L, 6L)),
                () -> List.of(2)).eosTokenIds(), "vLLM's stop_token_ids come on top of the model's eos");
        assertEquals(List.of(2, 5, 6), v2(Map.of("stop_token_ids", "5, 6"),
                () -> List.of(2)).eosTokenIds(), "gRPC parameters carry a list as a string");
        assertEquals(null, v2(Map.of(), () -> List.of(2)).eosTokenIds(),
                "none named: the engine uses the model's");
        assertEquals(Failure.BAD_REQUEST, assertThrows(ServeException.class, () -> v2(
                Map.of("stop_token_ids", List.of(-1L)))).failure());
        ServeException many = assertThrows(ServeException.class, () -> v2(
                Map.of("stop_token_ids", java.util.stream.LongStream.range(0, 100).boxed().toList())));
        assertTrue(many.getMessage().contains("at most 64"), many.getMessage());
    }

    @Test
    void outOfRangeValueIsABadRequestNamingTheParameter() {
        ServeException e = assertThrows(ServeException.class,
                () -> v2(Map.of("top_p", 2.0)));
        assertEquals(Failure.BAD_REQUEST, e.failure());
        assertTrue(e.getMessage().contains("top_p"), e.getMessage());
    }

    @Test
    void maxTokensOutOfRangeNamesTheFieldTheClientSent() {
        ServeException e = assertThrows(ServeException.class,
                () -> v2(Map.of("max_tokens", 100_000L)));
        assertEquals(Failure.BAD_REQUEST, e.failure());
        assertEquals("parameter max_tokens must be between 1 and 4096, got 100000", e.getMessage());
    }

    @Test
    void nonNumericMaxTokensIsABadRequest() {
        assertEquals(Failure.BAD_REQUEST, assertThrows(ServeException.class,
                () -> v2(Map.of("max_new_tokens", "many"))).failure());
    }

    @Test
    void logprobsAndGuidedChoiceMapToTheEnginesNeutralFields() {
        SamplingParams p = v2(new java.util.LinkedHashMap<>(Map.of(
                "prompt_logprobs", true, "logprobs", 4L, "guided_choice", "[\"yes\", \"no\"]")));
        assertEquals(new SamplingParams.Logprobs(4, true), p.logprobs());
        assertEquals(List.of("yes", "no"), p.choices());
        assertEquals(List.of("a"), v2(Map.of("guided_choice", List.of("a"))).choices());
    }

    @Test
    void malformedGuidedChoiceOrTooManyLogprobsIsABadRequestNamingIt() {
        for (Object bad : List.of("yes", "[]", "[1]", "{\"a\": 1}", List.of(), List.of(""))) {
            ServeException e = assertThrows(ServeException.class,
                    () -> v2(Map.of("guided_choice", bad)));
            assertTrue(e.getMessage().startsWith("parameter guided_choice "), e.getMessage());
        }
        ServeException e = assertThrows(ServeException.class,
                () -> v2(Map.of("logprobs", 21L)));
        assertEquals("parameter logprobs must be between 0 and 20, got 21", e.getMessage());
    }
}
