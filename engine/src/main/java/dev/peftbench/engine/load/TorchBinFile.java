package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A legacy {@code pytorch_model.bin} / {@code adapter_model.bin}: the zip that {@code torch.save} writes,
 * {@code <archive>/data.pkl} (the state dict, read by {@link TorchPickleReader}) beside one file per
 * storage, {@code <archive>/data/<key>}, little-endian.
 */
public final class TorchBinFile implements WeightSource {

    /**
     * The largest data.pkl read: a state dict's pickle holds names and shapes only (tens of KB for a
     * 7B model), so anything near this is not a state dict, and a compressed entry that inflates past
     * it (a zip bomb) is refused before it fills memory.
     */
    static final long MAX_PICKLE_BYTES = 64L << 20;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Map<String, TorchPickleReader.TensorRef> tensors;
    private final Map<String, TensorInfo> infos;

    private TorchBinFile(Path file, ZipFile zip, String prefix, Map<String, TorchPickleReader.TensorRef> tensors) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.tensors = tensors;
        Map<String, TensorInfo> map = new LinkedHashMap<>();
        tensors.forEach((name, t) -> map.put(name, new TensorInfo(name, t.storage().dtype(), t.shape())));
        this.infos = Collections.unmodifiableMap(map);
    }

    public static TorchBinFile open(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw EngineException.loadFailed(file + " is not a torch.save zip archive (" + e.getMessage()
                    + "); files from torch < 1.6 are not supported — re-save or convert to safetensors");
        } catch (IOException e) {
            throw EngineException.loadFailed("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            ZipEntry pickle = null;
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry e = entries.nextElement();
                if (e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - "/data.pkl".length()) {
                    pickle = e;
                    break;
                }
            }
            if (pickle == null) {
                throw EngineException.loadFailed(file + " has no data.pkl: not a torch state dict");
            }
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            if (pickle.getSize() > MAX_PICKLE_BYTES) {
                throw tooLargePickle(file, pickle.getSize());
            }
            byte[] bytes;
            try (InputStream in = zip.getInputStream(pickle)) {
                bytes = in.readNBytes((int) MAX_PICKLE_BYTES + 1);
            }
            if (bytes.length > MAX_PICKLE_BYTES) {
                throw tooLargePickle(file, bytes.length);
            }
            Map<String, TorchPickleReader.TensorRef> tensors = TorchPickleReader.read(file.toString(), bytes);
            for (var e : tensors.entrySet()) {
                check(file, zip, prefix, e.getKey(), e.getValue());
            }
            return new TorchBinFile(file, zip, prefix, tensors);
        } catch (IOException e) {
            closeQuietly(zip);
            throw EngineException.loadFailed("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(zip);
            throw e;
        }
    }

    private static EngineException tooLargePickle(Path file, long size) {
        return EngineException.loadFailed(file.getFileName() + "'s data.pkl is " + (size > MAX_PICKLE_BYTES ? "over " : "")
                + MAX_PICKLE_BYTES + " bytes: a state dict's index is far smaller, so this is not one");
    }

    /** Row-major contiguous, inside its storage, storage present at its full size. */
    private static void check(Path file, ZipFile zip, String prefix, String name, TorchPickleReader.TensorRef t) {
        long expected = 1;
        for (int i = t.shape().length - 1; i >= 0; i--) {
            if (t.shape()[i] != 1 && t.stride()[i] != expected) {
                throw EngineException.loadFailed("tensor " + name + " in " + file + " is not contiguous (stride "
                        + java.util.Arrays.toString(t.stride()) + "); re-save it with .contiguous()");
            }
            expected *= t.shape()[i];
        }
        if (t.offset() + expected > t.storage().numel()) {
            throw EngineException.loadFailed("tensor " + name + " in " + file + " reaches past its storage");
        }
        ZipEntry data = zip.getEntry(prefix + "data/" + t.storage().key());
        if (data == null) {
            throw EngineException.loadFailed(file + " is missing storage " + t.storage().key() + " of tensor " + name
                    + " — the file is truncated or damaged, download it again");
        }
        if (data.getSize() >= 0 && data.getSize() < t.storage().numel() * t.storage().dtype().bytes()) {
            throw EngineException.loadFailed(file + " is truncated: storage " + t.storage().key() + " of tensor " + name
                    + " has " + data.getSize() + " bytes, needs " + t.storage().numel() * t.storage().dtype().bytes());
        }
    }

    @Override
    public Set<String> names() {
        return infos.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw EngineException.loadFailed(file + " has no tensor '" + name + "'");
        }
        return info;
    }

    /** Read into memory: zip entries cannot be mapped. */
    @Override
    public ByteBuffer bytes(String name) {
        TensorInfo info = info(name);
        TorchPickleReader.TensorRef t = tensors.get(name);
        int elementBytes = info.dtype().bytes();
        long skip = t.offset() * elementBytes;
        int length = Math.toIntExact(info.elementCount() * elementBytes);
        try (InputStream in = zip.getInputStream(zip.getEntry(prefix + "data/" + t.storage().key()))) {
            in.skipNBytes(skip);
            byte[] data = in.readNBytes(length);
            if (data.length != length) {
                throw EngineException.loadFailed(file + " is truncated in tensor " + name);
            }
            return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw EngineException.loadFailed("cannot read tensor " + name + " from " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // Read-only.
        }
    }
}
