package dev.peftbench.cli;

import dev.peftbench.serve.cli.CommandLines;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code peftbench bench --json} on the bundled sample: the figures a comparison with llama-batched-bench needs. */
class BenchCommandTest {

    static GenerateCommandTest.Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = CommandLines.of(new BenchCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return new GenerateCommandTest.Run(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void jsonReportsDecodeRateWithoutAndWithPrefillGapsAndALongPromptBesideTheStreams() throws Exception {
        GenerateCommandTest.Run r = run("--model", "../sample-data/models/tiny-bloom", "--adapter", "none",
                "--concurrency", "2", "--prompt-tokens", "8", "--new-tokens", "24", "--long-prompt-tokens", "40",
                "--max-prefill-tokens", "8", "--sequential", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().trim().lines().count(), "exactly one JSON object on stdout");
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(8, json.get("max_prefill_tokens").asInt());
        assertEquals(40, json.get("long_prompt_tokens").asInt());
        // Where a figure comes from, and what it streams: bytes per token x steps per second = weight GB/s.
        assertTrue(!json.get("cpu").get("model").asText().isEmpty() && json.get("cpu").get("vector_bits").asInt() >= 128, r.out());
        assertTrue(json.get("weight_bytes_per_token").asLong() > 0, r.out());
        assertTrue(json.get("runs").get(0).get("weight_gb_per_s").asDouble() > 0, r.out());
        assertTrue(json.get("long_prompt_time_to_first_token_ms_alone").asDouble() > 0, r.out());
        JsonNode batched = json.get("runs").get(0);
        assertEquals("batched", batched.get("mode").asText());
        for (String field : new String[] {"decode_tokens_per_s", "aggregate_tokens_per_s", "total_tokens_per_s",
                "prompt_tokens_per_s", "median_gap_ms", "long_prompt_time_to_first_token_ms"}) {
            assertTrue(batched.get(field).asDouble() > 0, field + " in " + batched);
        }
        // Prompt tokens count in llama-batched-bench's total speed, not in the generated-tokens aggregate.
        assertTrue(batched.get("total_tokens_per_s").asDouble() > batched.get("aggregate_tokens_per_s").asDouble(), batched.toString());
        JsonNode gaps = batched.get("longest_gap_ms_per_stream");
        assertEquals(2, gaps.size());
        assertTrue(Math.max(gaps.get(0).asDouble(), gaps.get(1).asDouble()) >= batched.get("median_gap_ms").asDouble(), batched.toString());
        JsonNode sequential = json.get("runs").get(1);
        assertEquals("one-at-a-time", sequential.get("mode").asText());
        assertTrue(sequential.get("decode_tokens_per_s").asDouble() > 0, sequential.toString());
        assertTrue(!sequential.has("long_prompt_time_to_first_token_ms"), "the long prompt joins batched runs only");
    }

    /**
     * Each round's warm request prefills only what follows the prefix's last full block of 16; the streams' prompts are
     * each their own, so the concurrency runs reuse nothing.
     */
    @Test
    void jsonReportsEachSharedPrefixRoundColdAndWarmAndThePrefixCachesCounts() throws Exception {
        GenerateCommandTest.Run r = run("--model", "../sample-data/models/tiny-bloom", "--adapter", "none",
                "--concurrency", "2", "--prompt-tokens", "20", "--new-tokens", "2", "--shared-prefix-tokens", "70", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        JsonNode rounds = json.at("/shared_prefix/rounds");
        assertEquals(BenchCommand.SHARED_PREFIX_ROUNDS, rounds.size());
        long reused = 0;
        for (JsonNode round : rounds) {
            assertTrue(round.get("cold_time_to_first_token_ms").asDouble() > 0, round.toString());
            int prompt = round.get("warm_prompt_tokens").asInt();
            long prefilled = round.get("warm_prefilled_positions").asLong();
            assertTrue(prompt - prefilled >= 64 && prefilled < 16 + 22, round.toString());
            reused += prompt - prefilled;
        }
        assertEquals(reused, json.at("/prefix_cache/hit_positions").asLong(), "only the warm requests hit");
        assertEquals(256, json.get("prefix_cache_mib").asLong());
    }

    @Test
    void aNegativeLongPromptIsAOneLineError() {
        GenerateCommandTest.Run r = run("--model", "../sample-data/models/tiny-bloom", "--long-prompt-tokens", "-1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: --long-prompt-tokens"), r.err());
    }
}
