package dev.peftbench.engine.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a weight source as the zip {@code torch.save(state_dict)} produces: {@code archive/data.pkl}, a
 * protocol-2 pickle of an OrderedDict of {@code torch._utils._rebuild_tensor_v2(persistent storage, offset,
 * size, stride, False, OrderedDict())} calls, beside one little-endian file per storage. For tests that
 * need a legacy {@code .bin} copy of a safetensors fixture.
 */
public final class TorchBinWriter {

    private TorchBinWriter() {
    }

    public static void write(WeightSource source, Path file) throws IOException {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.write(new byte[] {(byte) 0x80, 2});
        global(pickle, "collections", "OrderedDict");
        pickle.write(new byte[] {')', 'R', '('});
        int key = 0;
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (String name : source.names()) {
                TensorInfo info = source.info(name);
                unicode(pickle, name);
                global(pickle, "torch._utils", "_rebuild_tensor_v2");
                pickle.write('(');
                pickle.write('(');
                unicode(pickle, "storage");
                global(pickle, "torch", switch (info.dtype()) {
                    case F32 -> "FloatStorage";
                    case F16 -> "HalfStorage";
                    case BF16 -> "BFloat16Storage";
                });
                unicode(pickle, Integer.toString(key));
                unicode(pickle, "cpu");
                integer(pickle, Math.toIntExact(info.elementCount()));
                pickle.write(new byte[] {'t', 'Q'});
                integer(pickle, 0);
                tuple(pickle, info.shape());
                long[] stride = new long[info.shape().length];
                long step = 1;
                for (int i = stride.length - 1; i >= 0; i--) {
                    stride[i] = step;
                    step *= info.shape()[i];
                }
                tuple(pickle, stride);
                pickle.write(0x89);
                global(pickle, "collections", "OrderedDict");
                pickle.write(new byte[] {')', 'R', 't', 'R'});
                entry(zip, "archive/data/" + key, bytes(source.bytes(name)));
                key++;
            }
            pickle.write(new byte[] {'u', '.'});
            entry(zip, "archive/data.pkl", pickle.toByteArray());
            entry(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    private static void global(OutputStream out, String module, String name) throws IOException {
        out.write('c');
        out.write((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void unicode(OutputStream out, String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
        out.write(utf8);
    }

    private static void integer(OutputStream out, long value) throws IOException {
        out.write('J');
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.toIntExact(value)).array());
    }

    private static void tuple(OutputStream out, long[] values) throws IOException {
        out.write('(');
        for (long v : values) {
            integer(out, v);
        }
        out.write('t');
    }
}
