package dev.peftbench.engine.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file tensor by tensor: the header (all shapes and offsets) first, then each
 * tensor's values asked for only when its turn comes, so multi-GB checkpoints stream through a small
 * buffer. Used by {@code make-random-model} and by tests that need odd files.
 */
public final class SafetensorsWriter {

    /** One tensor to write. */
    public record Entry(String name, DType dtype, long[] shape) {
        long bytes() {
            long n = dtype.bytes();
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** Supplies a tensor's values (row-major float32; narrowed to the entry's dtype on write). */
    @FunctionalInterface
    public interface Values {
        float[] of(Entry entry);
    }

    private SafetensorsWriter() {
    }

    public static void write(Path file, List<Entry> entries, Values values) throws IOException {
        write(file, Map.of(), entries, values);
    }

    /**
     * As {@link #write(Path, List, Values)}, with {@code __metadata__} first in the header when there is any, where
     * the safetensors library puts it ({@code {"format": "pt"}} is what torch's {@code save_file} callers pass).
     */
    public static void write(Path file, Map<String, String> metadata, List<Entry> entries, Values values) throws IOException {
        ObjectNode header = new ObjectMapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            var shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.bytes());
            offset += e.bytes();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        // The format pads the header with spaces so the data starts 8-byte aligned.
        int padded = (json.length + 7) / 8 * 8;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            out.write(length.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (Entry e : entries) {
                float[] v = values.of(e);
                if (v.length * (long) e.dtype().bytes() != e.bytes()) {
                    throw new IllegalArgumentException(e.name() + ": " + v.length + " values for shape of " + e.bytes() / e.dtype().bytes());
                }
                writeValues(out, e.dtype(), v);
            }
        }
    }

    private static void writeValues(OutputStream out, DType dtype, float[] v) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            if (buffer.remaining() < 4) {
                out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            switch (dtype) {
                case F32 -> buffer.putFloat(f);
                case F16 -> buffer.putShort(Float.floatToFloat16(f));
                case BF16 -> buffer.putShort(Bfloat16.fromFloat(f));
            }
        }
        out.write(buffer.array(), 0, buffer.position());
    }

}
