package dev.peftbench.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The number type a model computes in (weights may be stored in another; see {@code load.DType}).
 * {@link #INT8} keeps the weight matrices in 8 bits (llama.cpp's q8_0 blocks) and {@link #Q4} in 4 bits (q4_0 blocks);
 * both compute in float32.
 */
public enum ComputeType {
    FLOAT32("float32"),
    BFLOAT16("bfloat16"),
    FLOAT16("float16"),
    INT8("int8"),
    Q4("q4");

    private final String label;

    ComputeType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static ComputeType parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (ComputeType c : values()) {
            if (c.label.equals(t) || c.name().equalsIgnoreCase(t)) {
                return c;
            }
        }
        if (t.equals("bf16")) return BFLOAT16;
        if (t.equals("fp16") || t.equals("f16") || t.equals("half")) return FLOAT16;
        if (t.equals("fp32") || t.equals("f32") || t.equals("float")) return FLOAT32;
        if (t.equals("q8_0") || t.equals("q8")) return INT8;
        if (t.equals("q4_0")) return Q4;
        throw EngineException.invalid("unknown dtype '" + text + "'; supported: "
                + Arrays.stream(values()).map(ComputeType::label).collect(Collectors.joining(", ")));
    }
}
