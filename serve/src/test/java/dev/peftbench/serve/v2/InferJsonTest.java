package dev.peftbench.serve.v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InferJsonTest {

    private static final Path SAMPLE = Path.of("..", "sample-data");
    private final ObjectMapper json = new ObjectMapper();
    private final InferJson codec = new InferJson(json);

    private InferRequest decode(String body) throws Exception {
        return codec.decode(json.readTree(body));
    }

    private ServeException rejects(String body) {
        return assertThrows(ServeException.class, () -> decode(body));
    }

    @Test
    void referenceInputDecodesItsBase64TextInProtobufForm() throws Exception {
        InferRequest r = codec.decode(json.readTree(Files.readString(SAMPLE.resolve("input.json"))));
        assertEquals(WireForm.PROTOBUF_JSON, r.form());
        assertEquals(List.of("Every day is a new binning, filled with optionpiening and hope"), r.texts());
    }

    @Test
    void dataFormDecodesNestedTextsInOrder() throws Exception {
        InferRequest r = decode("""
                {"id": "42", "inputs": [{"name": "content", "shape": [3, 1], "datatype": "BYTES",
                  "data": [["a"], ["b"], ["c"]]}], "parameters": {"max_new_tokens": 3}}""");
        assertEquals(WireForm.DATA, r.form());
        assertEquals(List.of("a", "b", "c"), r.texts());
        assertEquals("42", r.id());
        assertEquals(3L, r.parameters().get("max_new_tokens"));
    }

    @Test
    void camelCaseBytesContentsAndStringShapesAreAccepted() throws Exception {
        String b64 = Base64.getEncoder().encodeToString("héllo".getBytes(UTF_8));
        InferRequest r = decode("{\"inputs\":[{\"name\":\"content\",\"shape\":[\"1\"],\"datatype\":\"BYTES\","
                + "\"contents\":{\"bytesContents\":[\"" + b64 + "\"]}}]}");
        assertEquals(List.of("héllo"), r.texts());
    }

    @Test
    void protobufJsonParametersAreUnwrapped() throws Exception {
        InferRequest r = decode("""
                {"inputs":[{"name":"content","shape":[1],"datatype":"BYTES","contents":{"bytes_contents":["YQ=="]}}],
                 "parameters": {"max_new_tokens": {"int64Param": "5"}, "stop": {"stringParam": "x"}}}""");
        assertEquals(5L, r.parameters().get("max_new_tokens"));
        assertEquals("x", r.parameters().get("stop"));
    }

    @Test
    void missingInputsIsABadRequest() {
        assertEquals(Failure.BAD_REQUEST, rejects("{\"id\": \"1\"}").failure());
    }

    @Test
    void wrongDatatypeIsNamedInTheError() {
        ServeException e = rejects("{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.0]}]}");
        assertTrue(e.getMessage().contains("FP32"), e.getMessage());
    }

    @Test
    void shapeDataMismatchIsRejected() {
        ServeException e = rejects("{\"inputs\":[{\"name\":\"content\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}");
        assertTrue(e.getMessage().contains("shape [2]"), e.getMessage());
    }

    @Test
    void invalidBase64IsRejected() {
        ServeException e = rejects("{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\","
                + "\"contents\":{\"bytes_contents\":[\"not base64!\"]}}]}");
        assertTrue(e.getMessage().contains("base64"), e.getMessage());
    }

    @Test
    void dataAndContentsTogetherAreRejected() {
        assertEquals(Failure.BAD_REQUEST, rejects("{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\","
                + "\"data\":[\"a\"],\"contents\":{\"bytes_contents\":[\"YQ==\"]}}]}").failure());
    }

    @Test
    void nonStringBytesDataIsRejected() {
        assertEquals(Failure.BAD_REQUEST,
                rejects("{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[7]}]}").failure());
    }

    @Test
    void protobufFormAnswerHasTheReferenceResponseShape() throws Exception {
        JsonNode expected = json.readTree(Files.readString(SAMPLE.resolve("expected-response.json")));
        String text = new String(Base64.getDecoder().decode(
                expected.at("/outputs/0/contents/bytesContents/0").asText()), UTF_8);
        ObjectNode actual = codec.encode(new InferResponse(expected.get("modelName").asText(), null, null,
                List.of(text)), WireForm.PROTOBUF_JSON);
        assertEquals(expected, actual);
        assertEquals(List.of("modelName", "outputs"), List.copyOf(iterable(actual)));
    }

    @Test
    void dataFormAnswerEchoesIdAndShapesTheBatch() {
        ObjectNode out = codec.encode(new InferResponse("m", null, "abc", List.of("x", "y")), WireForm.DATA);
        assertEquals("abc", out.get("id").asText());
        assertEquals("[2,1]", out.at("/outputs/0/shape").toString());
        assertEquals("[\"x\",\"y\"]", out.at("/outputs/0/data").toString());
        assertEquals("str", out.at("/outputs/0/parameters/content_type").asText());
    }

    private static List<String> iterable(ObjectNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
