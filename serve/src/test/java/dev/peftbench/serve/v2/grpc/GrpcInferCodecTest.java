package dev.peftbench.serve.v2.grpc;

import com.google.protobuf.ByteString;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.v2.InferResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferParameter;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferTensorContents;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrpcInferCodecTest {

    private static ModelInferRequest.InferInputTensor.Builder input(long n) {
        return ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES").addShape(n);
    }

    @Test
    void bytesContentsDecodeToTextsAndParameters() {
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m").setId("7")
                .putParameters("max_new_tokens", InferParameter.newBuilder().setInt64Param(4).build())
                .addInputs(input(2).setContents(InferTensorContents.newBuilder()
                        .addBytesContents(ByteString.copyFromUtf8("a")).addBytesContents(ByteString.copyFromUtf8("b"))))
                .build();
        GrpcInferCodec.Decoded d = GrpcInferCodec.decode(req);
        assertEquals(List.of("a", "b"), d.request().texts());
        assertEquals("7", d.request().id());
        assertEquals(4L, d.request().parameters().get("max_new_tokens"));
        assertFalse(d.raw());
    }

    @Test
    void rawInputContentsAreLengthPrefixedElements() {
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m").addInputs(input(2))
                .addRawInputContents(GrpcInferCodec.rawBytes(List.of("héllo", ""))).build();
        GrpcInferCodec.Decoded d = GrpcInferCodec.decode(req);
        assertEquals(List.of("héllo", ""), d.request().texts());
        assertTrue(d.raw());
    }

    @Test
    void bothContentFormsAreRejected() {
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input(1).setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("a"))))
                .addRawInputContents(GrpcInferCodec.rawBytes(List.of("a"))).build();
        assertThrows(ServeException.class, () -> GrpcInferCodec.decode(req));
    }

    @Test
    void truncatedRawContentsAreRejected() {
        assertThrows(ServeException.class,
                () -> GrpcInferCodec.rawElements("content", ByteString.copyFrom(new byte[]{9, 0, 0, 0, 'a'})));
    }

    @Test
    void answerIsBatchShapedWithContentType() {
        ModelInferResponse r = GrpcInferCodec.encode(new InferResponse("m", null, "7", List.of("x", "y", "z")), false);
        assertEquals(List.of(3L, 1L), r.getOutputs(0).getShapeList());
        assertEquals("str", r.getOutputs(0).getParametersMap().get("content_type").getStringParam());
        assertEquals("y", r.getOutputs(0).getContents().getBytesContents(1).toStringUtf8());
        assertEquals("7", r.getId());
    }
}
