package dev.peftbench.serve.v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.serve.ServeException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Both JSON forms of v2 inference (the second is what ModelMesh's REST proxy transcodes): OIP's {@code data} form and
 * protobuf's JSON mapping of ModelInferRequest/Response, which accepts snake_case and lowerCamelCase
 * names, int64 as numbers or strings, bytes as base64, and parameters as InferParameter objects.
 */
public final class InferJson {

    private final ObjectMapper json;

    public InferJson(ObjectMapper json) {
        this.json = json;
    }

    public InferRequest decode(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw ServeException.badRequest("the request body must be a JSON object with \"inputs\"");
        }
        JsonNode inputsNode = root.get("inputs");
        if (inputsNode == null || inputsNode.isNull()) {
            throw ServeException.badRequest("the request has no \"inputs\"");
        }
        if (!inputsNode.isArray()) {
            throw ServeException.badRequest("\"inputs\" must be an array of input tensors");
        }
        WireForm form = WireForm.DATA;
        List<InferInput> inputs = new ArrayList<>();
        for (JsonNode in : inputsNode) {
            if (!in.isObject()) {
                throw ServeException.badRequest("each element of \"inputs\" must be an object");
            }
            if (in.has("contents")) {
                form = WireForm.PROTOBUF_JSON;
            }
            inputs.add(decodeInput(in));
        }
        return new InferRequest(optionalText(root, "id"), parameters(root.get("parameters")), inputs, form);
    }

    public ObjectNode encode(InferResponse r, WireForm form) {
        return form == WireForm.PROTOBUF_JSON ? encodeProtobufJson(r) : encodeData(r);
    }

    /** OIP REST response (inference_rest.md, "Inference Response JSON Object"). */
    private ObjectNode encodeData(InferResponse r) {
        ObjectNode out = json.createObjectNode();
        out.put("model_name", r.modelName());
        if (r.modelVersion() != null) {
            out.put("model_version", r.modelVersion());
        }
        if (r.id() != null) {
            out.put("id", r.id());
        }
        ObjectNode t = out.putArray("outputs").addObject();
        t.put("name", InferResponse.OUTPUT_NAME);
        ArrayNode shape = t.putArray("shape");
        r.shape().forEach(shape::add);
        t.put("datatype", InferInput.BYTES);
        t.putObject("parameters").put(InferResponse.CONTENT_TYPE, InferResponse.CONTENT_TYPE_STR);
        ArrayNode data = t.putArray("data");
        r.texts().forEach(data::add);
        return out;
    }

    /**
     * Protobuf JSON of ModelInferResponse, fields in field-number order, exactly the shape of the
     * reference document's response ({@code sample-data/expected-response.json}).
     */
    private ObjectNode encodeProtobufJson(InferResponse r) {
        ObjectNode out = json.createObjectNode();
        out.put("modelName", r.modelName());
        if (r.modelVersion() != null) {
            out.put("modelVersion", r.modelVersion());
        }
        if (r.id() != null) {
            out.put("id", r.id());
        }
        ObjectNode t = out.putArray("outputs").addObject();
        t.put("name", InferResponse.OUTPUT_NAME);
        t.put("datatype", InferInput.BYTES);
        ArrayNode shape = t.putArray("shape");
        r.shape().forEach(d -> shape.add(Long.toString(d)));
        t.putObject("parameters").putObject(InferResponse.CONTENT_TYPE).put("stringParam", InferResponse.CONTENT_TYPE_STR);
        ArrayNode bytes = t.putObject("contents").putArray("bytesContents");
        Base64.Encoder b64 = Base64.getEncoder();
        r.texts().forEach(s -> bytes.add(b64.encodeToString(s.getBytes(StandardCharsets.UTF_8))));
        return out;
    }

    /** A scoring answer in the request's form: {@link ScoreResponse}'s three outputs. */
    public ObjectNode encode(ScoreResponse r, WireForm form) {
        boolean protobuf = form == WireForm.PROTOBUF_JSON;
        ObjectNode out = json.createObjectNode();
        out.put(protobuf ? "modelName" : "model_name", r.modelName());
        if (r.modelVersion() != null) {
            out.put(protobuf ? "modelVersion" : "model_version", r.modelVersion());
        }
        if (r.id() != null) {
            out.put("id", r.id());
        }
        ArrayNode outputs = out.putArray("outputs");
        floats(outputs.addObject(), ScoreResponse.LOGPROBS, r.matrixShape(), r.logProbabilities(), protobuf);
        floats(outputs.addObject(), ScoreResponse.PROBABILITIES, r.matrixShape(), r.probabilities(), protobuf);
        ObjectNode label = outputs.addObject();
        label.put("name", ScoreResponse.LABEL);
        if (protobuf) {
            label.put("datatype", InferInput.BYTES);
            label.putArray("shape").add(Long.toString(r.rows()));
            label.putObject("parameters").putObject(InferResponse.CONTENT_TYPE).put("stringParam", InferResponse.CONTENT_TYPE_STR);
            ArrayNode bytes = label.putObject("contents").putArray("bytesContents");
            r.best().forEach(s -> bytes.add(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8))));
        } else {
            label.putArray("shape").add(r.rows());
            label.put("datatype", InferInput.BYTES);
            label.putObject("parameters").put(InferResponse.CONTENT_TYPE, InferResponse.CONTENT_TYPE_STR);
            ArrayNode data = label.putArray("data");
            r.best().forEach(data::add);
        }
        return out;
    }

    /** An FP32 output: OIP's flat {@code data}, or protobuf JSON's {@code contents.fp32Contents}. */
    private static void floats(ObjectNode t, String name, List<Long> shape, float[] values, boolean protobuf) {
        t.put("name", name);
        if (protobuf) {
            t.put("datatype", ScoreResponse.FP32);
            ArrayNode dims = t.putArray("shape");
            shape.forEach(d -> dims.add(Long.toString(d)));
            ArrayNode contents = t.putObject("contents").putArray("fp32Contents");
            for (float v : values) {
                contents.add(v);
            }
        } else {
            ArrayNode dims = t.putArray("shape");
            shape.forEach(dims::add);
            t.put("datatype", ScoreResponse.FP32);
            ArrayNode data = t.putArray("data");
            for (float v : values) {
                data.add(v);
            }
        }
    }

    private InferInput decodeInput(JsonNode in) {
        String name = optionalText(in, "name");
        String datatype = optionalText(in, "datatype");
        InferInput.checkDatatype(name, datatype);
        List<Long> shape = shape(name, in.get("shape"));
        JsonNode data = in.get("data");
        JsonNode contents = in.get("contents");
        if (data != null && contents != null) {
            throw ServeException.badRequest("input '" + name + "' has both \"data\" and \"contents\"; send one");
        }
        List<byte[]> elements = new ArrayList<>();
        if (contents != null) {
            decodeContents(name, contents, elements);
        } else if (data != null) {
            flattenData(name, data, elements);
        } else {
            throw ServeException.badRequest("input '" + name + "' has no \"data\" (or protobuf-JSON \"contents\")");
        }
        return new InferInput(name, datatype, shape, elements);
    }

    private static List<Long> shape(String name, JsonNode node) {
        if (node == null || !node.isArray()) {
            throw ServeException.badRequest("input '" + name + "' needs a \"shape\" array, e.g. [1]");
        }
        List<Long> dims = new ArrayList<>();
        for (JsonNode d : node) {
            // protobuf JSON writes int64 as a string; both are accepted
            if (d.isIntegralNumber() && d.canConvertToLong()) {
                dims.add(d.longValue());
            } else if (d.isTextual() && d.asText().matches("-?\\d{1,18}")) {
                dims.add(Long.parseLong(d.asText()));
            } else {
                throw ServeException.badRequest("input '" + name + "' has a shape that is not a list of integers: " + node);
            }
        }
        return dims;
    }

    private static void flattenData(String name, JsonNode data, List<byte[]> out) {
        if (data.isArray()) {
            for (JsonNode e : data) {
                flattenData(name, e, out);
            }
        } else if (data.isTextual()) {
            out.add(data.asText().getBytes(StandardCharsets.UTF_8));
        } else {
            throw ServeException.badRequest("input '" + name + "' is BYTES: its \"data\" elements must be strings, got " + data);
        }
    }

    private static void decodeContents(String name, JsonNode contents, List<byte[]> out) {
        if (!contents.isObject()) {
            throw ServeException.badRequest("input '" + name + "' has \"contents\" that is not an object");
        }
        JsonNode bytes = contents.has("bytes_contents") ? contents.get("bytes_contents") : contents.get("bytesContents");
        if (bytes == null || !bytes.isArray()) {
            throw ServeException.badRequest("input '" + name + "' is BYTES: send \"contents\": {\"bytes_contents\": [\"<base64>\", ...]}");
        }
        for (JsonNode e : bytes) {
            if (!e.isTextual()) {
                throw ServeException.badRequest("input '" + name + "' has a bytes_contents element that is not a base64 string");
            }
            out.add(base64(name, e.asText()));
        }
    }

    /** Protobuf JSON parsers accept standard and URL-safe base64, padded or not. */
    static byte[] base64(String name, String text) {
        try {
            boolean urlSafe = text.indexOf('-') >= 0 || text.indexOf('_') >= 0;
            return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(text);
        } catch (IllegalArgumentException e) {
            throw ServeException.badRequest("input '" + name + "' has invalid base64 in bytes_contents: " + e.getMessage());
        }
    }

    /** Request parameters as plain values; protobuf JSON's InferParameter objects are unwrapped. */
    public static Map<String, Object> parameters(JsonNode node) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw ServeException.badRequest("\"parameters\" must be a JSON object");
        }
        node.properties().forEach(e -> {
            Object v = value(e.getKey(), e.getValue());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        });
        return out;
    }

    private static Object value(String key, JsonNode v) {
        if (v.isObject()) {
            for (String k : List.of("stringParam", "string_param")) {
                if (v.has(k)) return v.get(k).asText();
            }
            for (String k : List.of("boolParam", "bool_param")) {
                if (v.has(k)) return v.get(k).asBoolean();
            }
            for (String k : List.of("int64Param", "int64_param")) {
                if (v.has(k)) return int64(key, v.get(k));
            }
            for (String k : List.of("doubleParam", "double_param")) {
                if (v.has(k)) return v.get(k).asDouble();
            }
            throw ServeException.badRequest("parameter " + key + " must be a string, number, boolean or InferParameter");
        }
        if (v.isTextual()) return v.asText();
        if (v.isBoolean()) return v.asBoolean();
        if (v.isIntegralNumber()) {
            if (!v.canConvertToLong()) {
                throw ServeException.badRequest("parameter " + key + " is out of range: " + v.asText());
            }
            return v.longValue();
        }
        if (v.isNumber()) return v.doubleValue();
        if (v.isArray()) {
            List<Object> list = new ArrayList<>();
            v.forEach(e -> list.add(value(key, e)));
            return list;
        }
        if (v.isNull()) return null;
        throw ServeException.badRequest("parameter " + key + " has an unsupported value " + v);
    }

    /** Protobuf JSON's int64: a number or a decimal string, within 64 bits (never wrapped). */
    private static long int64(String key, JsonNode v) {
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.longValue();
        }
        if (v.isTextual() && v.asText().matches("-?\\d{1,19}")) {
            try {
                return Long.parseLong(v.asText());
            } catch (NumberFormatException e) {
                // out of range: the message below
            }
        }
        throw ServeException.badRequest("parameter " + key + " must be a 64-bit integer, got " + v);
    }

    private static String optionalText(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ServeException.badRequest("\"" + key + "\" must be a string, got " + v);
        }
        return v.asText();
    }
}
