package dev.peftbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.SafetensorsWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The shape of a real checkpoint, for {@code make-random-model}: its config.json and the tensors its
 * safetensors file holds, named as that family stores them.
 */
sealed interface RandomModelShape {

    /** Qwen2.5's and Qwen3's special tokens at their ids (tokenizer_config.json's added_tokens_decoder). */
    Map<String, Integer> QWEN_SPECIALS = Map.of("<|endoftext|>", 151643, "<|im_start|>", 151644, "<|im_end|>", 151645);

    /** The shapes {@code --like} knows, from each model's config.json and tokenizer_config.json on the Hub. */
    Map<String, RandomModelShape> KNOWN = Map.of(
            "bloomz-560m", new Bloom(250880, 1024, 24, 16),
            // Qwen/Qwen2.5-0.5B
            "qwen2.5-0.5b", new Llama("Qwen2ForCausalLM", "qwen2", 151936, 896, 4864, 24, 14, 2, 64, 1_000_000, 1e-6,
                    false, null, 151643, List.of(151643),
                    new Vocabulary("Qwen2TokenizerFast", QWEN_SPECIALS, null, "<|endoftext|>", "<|endoftext|>", false)),
            // meta-llama/Llama-3.2-1B
            "llama-3.2-1b", new Llama("LlamaForCausalLM", "llama", 128256, 2048, 8192, 16, 32, 8, 64, 500_000, 1e-5,
                    false, Map.of("rope_type", "llama3", "factor", 32.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0,
                    "original_max_position_embeddings", 8192), 128000, List.of(128001),
                    new Vocabulary("PreTrainedTokenizerFast", Map.of("<|begin_of_text|>", 128000, "<|end_of_text|>", 128001,
                            "<|start_header_id|>", 128006, "<|end_header_id|>", 128007, "<|eot_id|>", 128009),
                            "<|begin_of_text|>", "<|end_of_text|>", null, true)),
            // Qwen/Qwen3-0.6B
            "qwen3-0.6b", new Llama("Qwen3ForCausalLM", "qwen3", 151936, 1024, 3072, 28, 16, 8, 128, 1_000_000, 1e-6,
                    true, null, 151643, List.of(151645, 151643),
                    new Vocabulary("Qwen2TokenizerFast", QWEN_SPECIALS, null, "<|im_end|>", "<|endoftext|>", false)));

    /**
     * The tokenizer the real checkpoint comes with, as far as a random copy needs it: the class transformers
     * loads, the special tokens at their ids (config.json's eos among them), which of them are BOS, EOS and
     * padding, and whether every text starts with the BOS (Llama 3's post-processor).
     */
    record Vocabulary(String tokenizerClass, Map<String, Integer> specials, String bos, String eos, String pad, boolean addsBos) {
        public Vocabulary {
            specials = Map.copyOf(specials);
            for (String name : new String[] {bos, eos, pad}) {
                if (name != null && !specials.containsKey(name)) {
                    throw new IllegalArgumentException(name + " is not among the special tokens " + specials.keySet());
                }
            }
        }

        /** The same tokens {@code delta} ids further (a resized vocabulary keeps its top tokens at its end). */
        Vocabulary shifted(int delta) {
            Map<String, Integer> moved = new java.util.HashMap<>();
            specials.forEach((name, id) -> moved.put(name, id + delta));
            return new Vocabulary(tokenizerClass, moved, bos, eos, pad, addsBos);
        }
    }

    /** The tokenizer the real checkpoint comes with. */
    Vocabulary vocabulary();

    /** The size of the vocabulary (the embedding's rows): the tokenizer is padded to it. */
    int vocabSize();

    /** config.json for weights stored as {@code stored}. */
    ObjectNode config(DType stored);

    /** The checkpoint's tensors in the order they are written. */
    List<SafetensorsWriter.Entry> entries(DType stored);

    /** Whether {@code name} is a norm scale (initialised to 1, as the families' _init_weights do; other vectors to 0). */
    boolean isNormScale(String name);

    /** The same shape with fewer layers or a smaller vocabulary (for tests); null keeps the value. */
    RandomModelShape resized(Integer layers, Integer vocab);

    private static ObjectNode base(String architecture, String modelType, DType stored) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(architecture);
        c.put("model_type", modelType);
        c.put("torch_dtype", switch (stored) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        return c;
    }

    private static SafetensorsWriter.Entry entry(String name, DType t, long... shape) {
        return new SafetensorsWriter.Entry(name, t, shape);
    }

    /** BloomForCausalLM, names as bigscience stores them (no {@code transformer.} prefix). */
    record Bloom(int vocab, int hidden, int layers, int heads) implements RandomModelShape {
        public Bloom {
            if (vocab < 1 || hidden < 1 || layers < 1 || heads < 1 || hidden % heads != 0) {
                throw new IllegalArgumentException("vocab, hidden, layers, heads must be positive and hidden divisible by heads");
            }
        }

        @Override
        public ObjectNode config(DType stored) {
            ObjectNode c = base("BloomForCausalLM", "bloom", stored);
            c.put("vocab_size", vocab);
            c.put("hidden_size", hidden);
            c.put("n_layer", layers);
            c.put("n_head", heads);
            c.put("layer_norm_epsilon", 1e-5);
            c.put("apply_residual_connection_post_layernorm", false);
            c.put("bos_token_id", 1);
            c.put("eos_token_id", 2);
            c.put("pad_token_id", 3);
            return c;
        }

        @Override
        public List<SafetensorsWriter.Entry> entries(DType t) {
            long h = hidden;
            List<SafetensorsWriter.Entry> e = new ArrayList<>();
            e.add(entry("word_embeddings.weight", t, vocab, h));
            e.add(entry("word_embeddings_layernorm.weight", t, h));
            e.add(entry("word_embeddings_layernorm.bias", t, h));
            for (int i = 0; i < layers; i++) {
                String p = "h." + i + ".";
                e.add(entry(p + "input_layernorm.weight", t, h));
                e.add(entry(p + "input_layernorm.bias", t, h));
                e.add(entry(p + "self_attention.query_key_value.weight", t, 3 * h, h));
                e.add(entry(p + "self_attention.query_key_value.bias", t, 3 * h));
                e.add(entry(p + "self_attention.dense.weight", t, h, h));
                e.add(entry(p + "self_attention.dense.bias", t, h));
                e.add(entry(p + "post_attention_layernorm.weight", t, h));
                e.add(entry(p + "post_attention_layernorm.bias", t, h));
                e.add(entry(p + "mlp.dense_h_to_4h.weight", t, 4 * h, h));
                e.add(entry(p + "mlp.dense_h_to_4h.bias", t, 4 * h));
                e.add(entry(p + "mlp.dense_4h_to_h.weight", t, h, 4 * h));
                e.add(entry(p + "mlp.dense_4h_to_h.bias", t, h));
            }
            e.add(entry("ln_f.weight", t, h));
            e.add(entry("ln_f.bias", t, h));
            return e;
        }

        @Override
        public boolean isNormScale(String name) {
            return name.endsWith("layernorm.weight") || name.equals("ln_f.weight");
        }

        @Override
        public RandomModelShape resized(Integer newLayers, Integer newVocab) {
            return new Bloom(newVocab == null ? vocab : newVocab, hidden, newLayers == null ? layers : newLayers, heads);
        }

        /** bigscience/bloomz-560m's tokenizer: its special tokens open the vocabulary, as the bundled sample's do. */
        @Override
        public Vocabulary vocabulary() {
            return new Vocabulary("BloomTokenizerFast", Map.of("<unk>", 0, "<s>", 1, "</s>", 2, "<pad>", 3), "<s>", "</s>",
                    "<pad>", false);
        }

        @Override
        public int vocabSize() {
            return vocab;
        }
    }

    /**
     * The Llama family, names as save_pretrained writes them; tied embeddings (no lm_head.weight), as the three
     * models above have. Qwen2 has q/k/v biases, Qwen3 q_norm and k_norm.
     */
    record Llama(String architecture, String modelType, int vocab, int hidden, int intermediate, int layers, int heads,
                 int kvHeads, int headDim, double ropeTheta, double rmsNormEps, boolean qkNorm, Map<String, Object> ropeScaling,
                 int bosTokenId, List<Integer> eosTokenIds, Vocabulary vocabulary) implements RandomModelShape {

        @Override
        public int vocabSize() {
            return vocab;
        }

        @Override
        public ObjectNode config(DType stored) {
            ObjectNode c = base(architecture, modelType, stored);
            c.put("vocab_size", vocab);
            c.put("hidden_size", hidden);
            c.put("intermediate_size", intermediate);
            c.put("num_hidden_layers", layers);
            c.put("num_attention_heads", heads);
            c.put("num_key_value_heads", kvHeads);
            c.put("head_dim", headDim);
            c.put("hidden_act", "silu");
            c.put("rms_norm_eps", rmsNormEps);
            c.put("rope_theta", ropeTheta);
            c.set("rope_scaling", new ObjectMapper().valueToTree(ropeScaling));
            c.put("tie_word_embeddings", true);
            c.put("max_position_embeddings", 32768);
            c.put("bos_token_id", bosTokenId);
            c.set("eos_token_id", new ObjectMapper().valueToTree(eosTokenIds.size() == 1 ? eosTokenIds.getFirst() : eosTokenIds));
            return c;
        }

        @Override
        public List<SafetensorsWriter.Entry> entries(DType t) {
            long q = (long) heads * headDim;
            long kv = (long) kvHeads * headDim;
            List<SafetensorsWriter.Entry> e = new ArrayList<>();
            e.add(entry("model.embed_tokens.weight", t, vocab, hidden));
            for (int i = 0; i < layers; i++) {
                String p = "model.layers." + i + ".";
                e.add(entry(p + "input_layernorm.weight", t, hidden));
                e.add(entry(p + "self_attn.q_proj.weight", t, q, hidden));
                e.add(entry(p + "self_attn.k_proj.weight", t, kv, hidden));
                e.add(entry(p + "self_attn.v_proj.weight", t, kv, hidden));
                if (architecture.equals("Qwen2ForCausalLM")) {
                    e.add(entry(p + "self_attn.q_proj.bias", t, q));
                    e.add(entry(p + "self_attn.k_proj.bias", t, kv));
                    e.add(entry(p + "self_attn.v_proj.bias", t, kv));
                }
                if (qkNorm) {
                    e.add(entry(p + "self_attn.q_norm.weight", t, headDim));
                    e.add(entry(p + "self_attn.k_norm.weight", t, headDim));
                }
                e.add(entry(p + "self_attn.o_proj.weight", t, hidden, q));
                e.add(entry(p + "post_attention_layernorm.weight", t, hidden));
                e.add(entry(p + "mlp.gate_proj.weight", t, intermediate, hidden));
                e.add(entry(p + "mlp.up_proj.weight", t, intermediate, hidden));
                e.add(entry(p + "mlp.down_proj.weight", t, hidden, intermediate));
            }
            e.add(entry("model.norm.weight", t, hidden));
            return e;
        }

        @Override
        public boolean isNormScale(String name) {
            return name.endsWith("norm.weight");
        }

        /** A smaller vocabulary keeps the special tokens, which close the family's, at the same distance from its end. */
        @Override
        public RandomModelShape resized(Integer newLayers, Integer newVocab) {
            int delta = newVocab == null ? 0 : newVocab - vocab;
            return new Llama(architecture, modelType, vocab + delta, hidden, intermediate,
                    newLayers == null ? layers : newLayers, heads, kvHeads, headDim, ropeTheta, rmsNormEps, qkNorm, ropeScaling,
                    bosTokenId + delta, eosTokenIds.stream().map(id -> id + delta).toList(), vocabulary.shifted(delta));
        }
    }
}
