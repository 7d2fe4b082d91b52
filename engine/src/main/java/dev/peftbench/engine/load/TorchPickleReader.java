package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code data.pkl} of a {@code torch.save} zip into a map of tensor references, understanding
 * only what a saved state dict contains. It is a data reader, not an unpickler: no class is loaded and
 * no callable runs; any global outside the small allowlist below ends the read with an error, which
 * is what makes a downloaded {@code .bin} safe to open (the risk transformers' {@code weights_only} guards).
 */
final class TorchPickleReader {

    /** A typed storage named by a persistent id: {@code ('storage', torch.FloatStorage, key, location, numel)}. */
    record StorageRef(DType dtype, String key, long numel) {
    }

    /** {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)}. */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
    }

    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    private static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
            "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage",
            "torch.float32", "torch.float16", "torch.bfloat16", "torch._utils._rebuild_parameter");

    private static final Object MARK = new Object();

    private final String source;
    private final ByteBuffer in;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private TorchPickleReader(String source, byte[] pickle) {
        this.source = source;
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The state dict: tensor name -> reference into the archive's storages, in file order. */
    static Map<String, TensorRef> read(String source, byte[] pickle) {
        Object root = new TorchPickleReader(source, pickle).run();
        if (!(root instanceof Map<?, ?> map)) {
            throw new EngineException(EngineException.Kind.LOAD_FAILED, source + " does not hold a state dict");
        }
        Map<String, TensorRef> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey() instanceof String name && e.getValue() instanceof TensorRef t) {
                tensors.put(name, t);
            } else {
                throw refuse(source, "entry " + e.getKey() + " that is not a tensor");
            }
        }
        return tensors;
    }

    private Object run() {
        try {
            while (true) {
                int op = in.get() & 0xFF;
                switch (op) {
                    case 0x80 -> in.get(); // PROTO
                    case 0x95 -> in.getLong(); // FRAME
                    case '}' -> push(new LinkedHashMap<Object, Object>());
                    case ']' -> push(new ArrayList<>());
                    case ')' -> push(List.of());
                    case '(' -> push(MARK);
                    case 'q' -> memo.put(in.get() & 0xFF, peek());
                    case 'r' -> memo.put(in.getInt(), peek());
                    case 0x94 -> memo.put(memo.size(), peek());
                    case 'h' -> push(memo.get(in.get() & 0xFF));
                    case 'j' -> push(memo.get(in.getInt()));
                    case 'X' -> push(string(in.getInt()));
                    case 0x8c -> push(string(in.get() & 0xFF));
                    case 0x8d -> push(string(in.getLong()));
                    case 'J' -> push((long) in.getInt());
                    case 'K' -> push((long) (in.get() & 0xFF));
                    case 'M' -> push((long) (in.getShort() & 0xFFFF));
                    case 0x8a -> push(long1(in.get() & 0xFF));
                    case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'N' -> push(null);
                    case 't' -> push(Collections.unmodifiableList(popToMark()));
                    case 0x85 -> push(tuple(1));
                    case 0x86 -> push(tuple(2));
                    case 0x87 -> push(tuple(3));
                    case 's' -> {
                        Object value = pop();
                        Object key = pop();
                        dict(peek()).put(key, value);
                    }
                    case 'u' -> {
                        List<Object> items = popToMark();
                        Map<Object, Object> d = dict(peek());
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            d.put(items.get(i), items.get(i + 1));
                        }
                    }
                    case 'a' -> {
                        Object value = pop();
                        list(peek()).add(value);
                    }
                    case 'e' -> {
                        List<Object> items = popToMark();
                        list(peek()).addAll(items);
                    }
                    case 'c' -> push(global(line(), line()));
                    case 0x93 -> {
                        String name = (String) pop();
                        String module = (String) pop();
                        push(global(module, name));
                    }
                    case 'Q' -> push(persistent(pop()));
                    case 'R' -> {
                        Object args = pop();
                        Object callable = pop();
                        push(reduce(callable, args));
                    }
                    case 'b' -> pop(); // BUILD: state of an OrderedDict / parameter, ignored
                    case '.' -> {
                        return pop();
                    }
                    default -> throw refuse(String.format("pickle opcode 0x%02x", op));
                }
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw malformed("it ends in the middle of an instruction");
        } catch (ClassCastException | IndexOutOfBoundsException e) {
            throw malformed("an instruction finds values of the wrong kind or too few of them");
        }
    }

    private Object global(String module, String name) {
        Global g = new Global(module, name);
        if (!ALLOWED.contains(g.qualified())) {
            throw refuse("pickled object " + g.qualified());
        }
        return g;
    }

    private StorageRef persistent(Object pid) {
        if (!(pid instanceof List<?> t) || t.size() < 5 || !"storage".equals(t.get(0))) {
            throw refuse("persistent id " + pid);
        }
        Global type = (Global) t.get(1);
        DType dtype = switch (type.name()) {
            case "FloatStorage", "float32" -> DType.F32;
            case "HalfStorage", "float16" -> DType.F16;
            case "BFloat16Storage", "bfloat16" -> DType.BF16;
            default -> throw refuse("storage type " + type.qualified());
        };
        return new StorageRef(dtype, (String) t.get(2), (Long) t.get(4));
    }

    private Object reduce(Object callable, Object args) {
        Global g = (Global) callable;
        List<?> a = (List<?>) args;
        return switch (g.qualified()) {
            case "collections.OrderedDict" -> new LinkedHashMap<Object, Object>();
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" ->
                    new TensorRef((StorageRef) a.get(0), (Long) a.get(1), longs(a.get(2)), longs(a.get(3)));
            case "torch._utils._rebuild_parameter" -> a.get(0);
            default -> throw refuse("call of " + g.qualified());
        };
    }

    private static long[] longs(Object tuple) {
        List<?> t = (List<?>) tuple;
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Long) t.get(i);
        }
        return out;
    }

    private EngineException refuse(String what) {
        return refuse(source, what);
    }

    private static EngineException refuse(String source, String what) {
        return new EngineException(EngineException.Kind.LOAD_FAILED, source + " contains " + what
                + " that is not part of a tensor state dict; only tensors are read from .bin files, nothing is executed");
    }

    private EngineException malformed(String why) {
        return new EngineException(EngineException.Kind.LOAD_FAILED, source + " is not a readable torch state dict: "
                + why + " (at byte " + in.position() + ")");
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw malformed("it takes a value from an empty stack");
        }
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw malformed("it uses a value from an empty stack");
        }
        return stack.getLast();
    }

    private List<Object> popToMark() {
        int mark = stack.lastIndexOf(MARK);
        if (mark < 0) {
            throw refuse("a malformed pickle (no MARK)");
        }
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private List<Object> tuple(int n) {
        if (stack.size() < n) {
            throw malformed("it builds a tuple of " + n + " from " + stack.size() + " values");
        }
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return Collections.unmodifiableList(items);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw refuse("a SETITEM on " + o);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw refuse("an APPEND on " + o);
    }

    private String string(long length) {
        return new String(bytes(length), StandardCharsets.UTF_8);
    }

    /** A length read from the file is checked against what is left before anything is allocated. */
    private byte[] bytes(long length) {
        if (length < 0 || length > in.remaining()) {
            throw malformed("it announces " + length + " bytes where " + in.remaining() + " remain");
        }
        byte[] b = new byte[(int) length];
        in.get(b);
        return b;
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        for (byte b = in.get(); b != '\n'; b = in.get()) {
            sb.append((char) b);
        }
        return sb.toString();
    }

    private long long1(int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (in.get() & 0xFF) << (8 * i);
        }
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) {
            v -= 1L << (8 * n);
        }
        return v;
    }
}
