package dev.peftbench.serve.v2.grpc;

import com.google.protobuf.ByteString;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.v2.InferInput;
import dev.peftbench.serve.v2.InferRequest;
import dev.peftbench.serve.v2.InferResponse;
import dev.peftbench.serve.v2.ScoreResponse;
import dev.peftbench.serve.v2.WireForm;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferParameter;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferTensorContents;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferResponse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ModelInferRequest/Response to and from the protocol-neutral records (inference_grpc.md): BYTES
 * either in {@code contents.bytes_contents} or in {@code raw_input_contents} (each element a 4-byte
 * little-endian length and the bytes), never both. The answer uses the form the request used.
 */
public final class GrpcInferCodec {

    /** The request's tensors came as raw bytes: answer with raw_output_contents too. */
    public record Decoded(InferRequest request, boolean raw) {
    }

    private GrpcInferCodec() {
    }

    public static Decoded decode(ModelInferRequest req) {
        boolean raw = req.getRawInputContentsCount() > 0;
        if (raw && req.getRawInputContentsCount() != req.getInputsCount()) {
            throw ServeException.badRequest("raw_input_contents has " + req.getRawInputContentsCount()
                    + " entries for " + req.getInputsCount() + " inputs; send one per input");
        }
        List<InferInput> inputs = new ArrayList<>();
        for (int i = 0; i < req.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor t = req.getInputs(i);
            if (raw && t.hasContents() && !t.getContents().equals(InferTensorContents.getDefaultInstance())) {
                throw ServeException.badRequest("input '" + t.getName()
                        + "' has contents and the request has raw_input_contents; use one of the two");
            }
            List<byte[]> elements = raw ? rawElements(t.getName(), req.getRawInputContents(i))
                    : t.getContents().getBytesContentsList().stream().map(ByteString::toByteArray).toList();
            inputs.add(new InferInput(t.getName(), t.getDatatype(), t.getShapeList(), elements));
        }
        String id = req.getId().isEmpty() ? null : req.getId();
        return new Decoded(new InferRequest(id, parameters(req.getParametersMap()), inputs, WireForm.DATA), raw);
    }

    public static ModelInferResponse encode(InferResponse r, boolean raw) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(r.modelName());
        if (r.modelVersion() != null) {
            b.setModelVersion(r.modelVersion());
        }
        if (r.id() != null) {
            b.setId(r.id());
        }
        ModelInferResponse.InferOutputTensor.Builder t = ModelInferResponse.InferOutputTensor.newBuilder()
                .setName(InferResponse.OUTPUT_NAME)
                .setDatatype(InferInput.BYTES)
                .addAllShape(r.shape())
                .putParameters(InferResponse.CONTENT_TYPE,
                        InferParameter.newBuilder().setStringParam(InferResponse.CONTENT_TYPE_STR).build());
        if (raw) {
            b.addOutputs(t).addRawOutputContents(rawBytes(r.texts()));
        } else {
            InferTensorContents.Builder c = InferTensorContents.newBuilder();
            r.texts().forEach(s -> c.addBytesContents(ByteString.copyFromUtf8(s)));
            b.addOutputs(t.setContents(c));
        }
        return b.build();
    }

    /** A scoring answer: {@link ScoreResponse}'s three outputs, in raw_output_contents when the request's tensors were raw. */
    public static ModelInferResponse encode(ScoreResponse r, boolean raw) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(r.modelName());
        if (r.modelVersion() != null) {
            b.setModelVersion(r.modelVersion());
        }
        if (r.id() != null) {
            b.setId(r.id());
        }
        for (String name : List.of(ScoreResponse.LOGPROBS, ScoreResponse.PROBABILITIES)) {
            float[] values = name.equals(ScoreResponse.LOGPROBS) ? r.logProbabilities() : r.probabilities();
            ModelInferResponse.InferOutputTensor.Builder t = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(name).setDatatype(ScoreResponse.FP32).addAllShape(r.matrixShape());
            if (raw) {
                ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    bytes.putFloat(v);
                }
                b.addOutputs(t).addRawOutputContents(ByteString.copyFrom(bytes.array()));
            } else {
                InferTensorContents.Builder c = InferTensorContents.newBuilder();
                for (float v : values) {
                    c.addFp32Contents(v);
                }
                b.addOutputs(t.setContents(c));
            }
        }
        ModelInferResponse.InferOutputTensor.Builder label = ModelInferResponse.InferOutputTensor.newBuilder()
                .setName(ScoreResponse.LABEL).setDatatype(InferInput.BYTES).addShape(r.rows())
                .putParameters(InferResponse.CONTENT_TYPE,
                        InferParameter.newBuilder().setStringParam(InferResponse.CONTENT_TYPE_STR).build());
        if (raw) {
            b.addOutputs(label).addRawOutputContents(rawBytes(r.best()));
        } else {
            InferTensorContents.Builder c = InferTensorContents.newBuilder();
            r.best().forEach(s -> c.addBytesContents(ByteString.copyFromUtf8(s)));
            b.addOutputs(label.setContents(c));
        }
        return b.build();
    }

    static List<byte[]> rawElements(String name, ByteString blob) {
        ByteBuffer buf = blob.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> out = new ArrayList<>();
        while (buf.hasRemaining()) {
            if (buf.remaining() < 4) {
                throw ServeException.badRequest("input '" + name + "' raw contents end inside a 4-byte length prefix");
            }
            long len = Integer.toUnsignedLong(buf.getInt());
            if (len > buf.remaining()) {
                throw ServeException.badRequest("input '" + name + "' raw contents announce " + len
                        + " bytes but only " + buf.remaining() + " remain");
            }
            byte[] e = new byte[(int) len];
            buf.get(e);
            out.add(e);
        }
        return out;
    }

    static ByteString rawBytes(List<String> texts) {
        ByteString.Output out = ByteString.newOutput();
        for (String s : texts) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            byte[] len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array();
            out.write(len, 0, 4);
            out.write(b, 0, b.length);
        }
        return out.toByteString();
    }

    static Map<String, Object> parameters(Map<String, InferParameter> params) {
        Map<String, Object> out = new LinkedHashMap<>();
        params.forEach((k, p) -> {
            switch (p.getParameterChoiceCase()) {
                case BOOL_PARAM -> out.put(k, p.getBoolParam());
                case INT64_PARAM -> out.put(k, p.getInt64Param());
                case STRING_PARAM -> out.put(k, p.getStringParam());
                case PARAMETERCHOICE_NOT_SET -> { }
            }
        });
        return out;
    }
}
