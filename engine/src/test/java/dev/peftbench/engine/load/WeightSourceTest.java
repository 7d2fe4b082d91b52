package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every weight format reads the same numbers; every broken file is refused with a message that says why. */
class WeightSourceTest {

    private static Path fixture(String name) {
        return Golden.FIXTURES.resolve(name);
    }

    private static Set<String> withoutPrefix(Set<String> names) {
        return names.stream().map(n -> n.replaceFirst("^transformer\\.", "")).collect(Collectors.toSet());
    }

    @Test
    void safetensorsShardedAndTorchBinHoldIdenticalTensors() {
        try (WeightSource single = WeightSource.open(fixture("tiny-bloom"));
             WeightSource sharded = WeightSource.open(fixture("tiny-bloom-sharded"));
             WeightSource bin = WeightSource.open(fixture("tiny-bloom-bin"))) {
            assertTrue(single.names().contains("transformer.h.0.self_attention.query_key_value.weight"));
            assertTrue(bin.names().contains("h.0.self_attention.query_key_value.weight"));
            assertEquals(withoutPrefix(single.names()), sharded.names());
            assertEquals(sharded.names(), bin.names());
            for (String name : bin.names()) {
                float[] expected = single.readFloats("transformer." + name);
                assertArrayEquals(expected, sharded.readFloats(name), name + " (sharded)");
                assertArrayEquals(expected, bin.readFloats(name), name + " (.bin)");
                assertArrayEquals(single.info("transformer." + name).shape(), bin.info(name).shape());
            }
        }
    }

    @Test
    void halfPrecisionCheckpointsWidenToTheirRoundedValues() {
        try (WeightSource f32 = WeightSource.open(fixture("tiny-bloom"));
             WeightSource bf16 = WeightSource.open(fixture("tiny-bloom-bf16"));
             WeightSource f16 = WeightSource.open(fixture("tiny-bloom-f16"))) {
            String name = "h.1.mlp.dense_h_to_4h.weight";
            float[] exact = f32.readFloats("transformer." + name);
            float[] b = bf16.readFloats(name);
            float[] h = f16.readFloats("transformer." + name);
            short[] raw = bf16.readShorts(name);
            assertEquals(DType.BF16, bf16.info(name).dtype());
            for (int i = 0; i < exact.length; i++) {
                assertEquals(Bfloat16.fromFloat(exact[i]), raw[i], "bf16 is the rounded float32 at " + i);
                assertEquals(Bfloat16.toFloat(raw[i]), b[i]);
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(exact[i])), h[i], "f16 at " + i);
            }
        }
    }

    @Test
    void adaptersReadTheSameFromBinAndSafetensors() {
        for (String adapter : List.of("tiny-bloom-lora", "tiny-bloom-prompt-tuning")) {
            try (WeightSource st = WeightSource.open(fixture(adapter));
                 WeightSource bin = WeightSource.open(fixture(adapter + "-bin"))) {
                assertEquals(st.names(), bin.names());
                for (String name : st.names()) {
                    assertArrayEquals(st.readFloats(name), bin.readFloats(name), adapter + " " + name);
                }
            }
        }
    }

    @Test
    void missingFolderIsNotFound() {
        EngineException e = assertThrows(EngineException.class, () -> WeightSource.open(Path.of("no/such/folder")));
        assertEquals(EngineException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("no/such/folder"), e.getMessage());
    }

    @Test
    void folderWithoutWeightsNamesTheFilesLookedFor(@TempDir Path dir) {
        EngineException e = assertThrows(EngineException.class, () -> WeightSource.open(dir));
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("pytorch_model.bin"), e.getMessage());
    }

    @Test
    void corruptHeaderIsRefused(@TempDir Path dir) throws IOException {
        byte[] junk = "{not json at all".getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + junk.length).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(junk.length).put(junk);
        Files.write(dir.resolve("model.safetensors"), file.array());
        EngineException e = assertThrows(EngineException.class, () -> WeightSource.open(dir));
        assertTrue(e.getMessage().startsWith("corrupt safetensors header"), e.getMessage());
    }

    @Test
    void headerLengthBeyondTheFileIsRefused(@TempDir Path dir) throws IOException {
        ByteBuffer file = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000);
        Files.write(dir.resolve("model.safetensors"), file.array());
        EngineException e = assertThrows(EngineException.class, () -> WeightSource.open(dir));
        assertTrue(e.getMessage().contains("header length 1000000"), e.getMessage());
    }

    @Test
    void truncatedWeightFileIsRefusedBeforeReading(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(fixture("tiny-bloom").resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(whole, whole.length - 1000));
        EngineException e = assertThrows(EngineException.class, () -> WeightSource.open(dir));
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("is truncated"), e.getMessage());
    }

    @Test
    void missingShardIsNamed(@TempDir Path dir) throws IOException {
        Path src = fixture("tiny-bloom-sharded");
        Files.copy(src.resolve("model.safetensors.index.json"), dir.resolve("model.safetensors.index.json"));
        Files.copy(src.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00001-of-00002.safetensors"));
        EngineException e = assertThrows(EngineException.class, () -> WeightSource.open(dir));
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors"), e.getMessage());
    }

    @Test
    void truncatedTorchBinIsRefused(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(fixture("tiny-bloom-bin").resolve("pytorch_model.bin"));
        Files.write(dir.resolve("pytorch_model.bin"), java.util.Arrays.copyOf(whole, whole.length / 2));
        EngineException e = assertThrows(EngineException.class, () -> WeightSource.open(dir));
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
    }

    @Test
    void writerOutputReadsBackExactly(@TempDir Path dir) throws IOException {
        float[] values = {1.5f, -2.25f, 3.0e-3f, 7f, 0f, -0.5f};
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                new SafetensorsWriter.Entry("a", DType.F32, new long[] {2, 3}),
                new SafetensorsWriter.Entry("b", DType.BF16, new long[] {6})), e -> values);
        try (WeightSource w = WeightSource.open(dir)) {
            assertArrayEquals(values, w.readFloats("a"));
            assertArrayEquals(new long[] {2, 3}, w.info("a").shape());
            assertEquals(Bfloat16.toFloat(Bfloat16.fromFloat(3.0e-3f)), w.readFloats("b")[2]);
        }
    }
}
