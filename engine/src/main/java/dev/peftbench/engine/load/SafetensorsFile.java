package dev.peftbench.engine.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@code .safetensors} file (huggingface/safetensors format): an 8-byte little-endian header length,
 * a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
 * Every range is checked against the file before anything is read; tensors are memory-mapped one at a
 * time on demand, so multi-GB checkpoints never sit in memory twice.
 */
public final class SafetensorsFile implements WeightSource {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The format caps the header at 100 MB; anything larger is a corrupt length field. */
    private static final long MAX_HEADER = 100L << 20;

    private record Entry(TensorInfo info, long begin, long end) {
    }

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
    }

    public static SafetensorsFile open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw EngineException.notFound("weight file " + file + " does not exist");
        } catch (IOException e) {
            throw EngineException.loadFailed("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            long size = channel.size();
            if (size < 8) {
                throw EngineException.loadFailed("corrupt safetensors header in " + file + ": the file has only " + size + " bytes");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > size - 8) {
                throw EngineException.loadFailed("corrupt safetensors header in " + file + ": header length " + headerLength
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            Map<String, Entry> entries = parseHeader(file, header.array(), size - 8 - headerLength);
            return new SafetensorsFile(file, channel, 8 + headerLength, entries);
        } catch (IOException e) {
            close(channel);
            throw EngineException.loadFailed("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(channel);
            throw e;
        }
    }

    private static Map<String, Entry> parseHeader(Path file, byte[] header, long dataSize) {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw EngineException.loadFailed("corrupt safetensors header in " + file + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw EngineException.loadFailed("corrupt safetensors header in " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw EngineException.loadFailed("corrupt safetensors header in " + file + ": not a JSON object");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode t = field.getValue();
            String dtypeName = t.path("dtype").asText();
            DType dtype;
            try {
                dtype = DType.valueOf(dtypeName);
            } catch (IllegalArgumentException e) {
                throw EngineException.loadFailed("tensor " + name + " in " + file + " has dtype '" + dtypeName
                        + "'; supported: F32, F16, BF16");
            }
            JsonNode shapeNode = t.path("shape");
            JsonNode offsets = t.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw EngineException.loadFailed("corrupt safetensors header in " + file + ": tensor " + name
                        + " lacks a shape or data_offsets");
            }
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong(-1);
                if (shape[i] < 0) {
                    throw EngineException.loadFailed("corrupt safetensors header in " + file + ": tensor " + name
                            + " has a negative dimension");
                }
            }
            TensorInfo info = new TensorInfo(name, dtype, shape);
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end - begin != info.elementCount() * dtype.bytes()) {
                throw EngineException.loadFailed("corrupt safetensors header in " + file + ": tensor " + name
                        + " has data_offsets [" + begin + ", " + end + "] that do not match its shape " + info);
            }
            if (end > dataSize) {
                throw EngineException.loadFailed(file + " is truncated: tensor " + name + " needs bytes up to "
                        + end + " of the data section but the file holds " + dataSize + " — download it again");
            }
            entries.put(name, new Entry(info, begin, end));
        }
        return Collections.unmodifiableMap(entries);
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        return entry(name).info();
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw EngineException.loadFailed(file + " has no tensor '" + name + "'");
        }
        return e;
    }

    @Override
    public ByteBuffer bytes(String name) {
        return map(entry(name));
    }

    private ByteBuffer map(Entry e) {
        long length = e.end() - e.begin();
        if (length > Integer.MAX_VALUE) {
            throw EngineException.loadFailed("tensor " + e.info() + " in " + file + " is larger than 2 GiB; not supported");
        }
        try {
            MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), length);
            return buffer.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException ex) {
            throw EngineException.loadFailed("cannot read tensor " + e.info().name() + " from " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    @Override
    public void close() {
        close(channel);
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Read-only: nothing to lose.
        }
    }
}
