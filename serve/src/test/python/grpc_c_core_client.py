"""Drives both gRPC ports of a running server with grpcio, a gRPC C-core client (as tritonclient,
KServe's SDK and MLServer's tests use), the way a v2 client and ModelMesh do.

usage: grpc_c_core_client.py STUBS_DIR HOST GRPC_PORT MMESH_PORT MODEL PULLED_FILE [API_KEY]

STUBS_DIR holds the modules grpc_tools.protoc generated from serve/src/main/proto. With API_KEY, every
call sends it as "authorization: Bearer" metadata, after calls without it are seen refused. Prints one
"ok: <check>" line per check passed; exits non-zero at the first that fails.
"""
import sys

stubs, host, grpc_port, mmesh_port, model, pulled = sys.argv[1:7]
api_key = sys.argv[7] if len(sys.argv) > 7 else None
sys.path.insert(0, stubs)

import grpc  # noqa: E402
import grpc_predict_v2_pb2 as v2  # noqa: E402
import grpc_predict_v2_pb2_grpc as v2_grpc  # noqa: E402
import model_runtime_pb2 as mm  # noqa: E402
import model_runtime_pb2_grpc as mm_grpc  # noqa: E402

TIMEOUT = 60


def ok(check):
    print("ok: " + check, flush=True)


def expect_code(code, call, *args, **kwargs):
    try:
        call(*args, timeout=TIMEOUT, **kwargs)
    except grpc.RpcError as e:
        if e.code() != code:
            raise AssertionError("expected %s, got %s: %s" % (code, e.code(), e.details()))
        return e.details()
    raise AssertionError("expected %s, the call succeeded" % code)


def infer_request(name, text, datatype="BYTES"):
    tensor = v2.ModelInferRequest.InferInputTensor(name="content", datatype=datatype, shape=[1])
    if datatype == "BYTES":
        tensor.contents.bytes_contents.append(text.encode("utf-8"))
    else:
        tensor.contents.int_contents.append(1)
    return v2.ModelInferRequest(model_name=name, id="py-1", inputs=[tensor])


def answer_text(response):
    return response.outputs[0].contents.bytes_contents[0].decode("utf-8")


class BearerKey(grpc.UnaryUnaryClientInterceptor):
    """Adds the API key to every call's metadata, as a client of a server with a key does."""

    def intercept_unary_unary(self, continuation, details, request):
        metadata = list(details.metadata or []) + [("authorization", "Bearer " + api_key)]
        return continuation(details._replace(metadata=metadata), request)


def channel(port):
    plain = grpc.insecure_channel("%s:%s" % (host, port))
    return grpc.intercept_channel(plain, BearerKey()) if api_key else plain


if api_key:
    no_key = grpc.insecure_channel("%s:%s" % (host, grpc_port))
    expect_code(grpc.StatusCode.UNAUTHENTICATED, v2_grpc.GRPCInferenceServiceStub(no_key).ModelMetadata,
                v2.ModelMetadataRequest(name=model))
    expect_code(grpc.StatusCode.UNAUTHENTICATED,
                mm_grpc.ModelRuntimeStub(grpc.insecure_channel("%s:%s" % (host, mmesh_port))).runtimeStatus,
                mm.RuntimeStatusRequest())
    ok("UNAUTHENTICATED without the key on both ports")

data = v2_grpc.GRPCInferenceServiceStub(channel(grpc_port))

assert data.ServerLive(v2.ServerLiveRequest(), timeout=TIMEOUT).live
ok("ServerLive")
metadata = data.ModelMetadata(v2.ModelMetadataRequest(name=model), timeout=TIMEOUT)
assert metadata.name == model and metadata.inputs[0].name == "content", metadata
ok("ModelMetadata")
response = data.ModelInfer(infer_request(model, "Every day is a new day"), timeout=TIMEOUT)
text = answer_text(response)
assert response.id == "py-1" and text.startswith("Tweet text : Every day is a new day Label : "), response
assert list(response.outputs[0].shape) == [1, 1], response
ok("ModelInfer bytes_contents")
# A second BYTES input named "labels" turns ModelInfer into label scoring.
scoring = infer_request(model, "My order never arrived and support ignores me")
labels = scoring.inputs.add(name="labels", datatype="BYTES", shape=[2])
labels.contents.bytes_contents.extend([b"complaint", b"no complaint"])
scored = data.ModelInfer(scoring, timeout=TIMEOUT)
outputs = {o.name: o for o in scored.outputs}
assert list(outputs["label_logprobs"].shape) == [1, 2] and outputs["label_logprobs"].datatype == "FP32", scored
probabilities = outputs["probabilities"].contents.fp32_contents
assert abs(sum(probabilities) - 1) < 1e-5 and all(x < 0 for x in outputs["label_logprobs"].contents.fp32_contents), scored
best = outputs["label"].contents.bytes_contents[0].decode("utf-8")
assert best == ["complaint", "no complaint"][0 if probabilities[0] >= probabilities[1] else 1], scored
labels.contents.bytes_contents[1] = b"complaint"
labels_details = expect_code(grpc.StatusCode.INVALID_ARGUMENT, data.ModelInfer, scoring)
assert "labels" in labels_details and "twice" in labels_details, labels_details
ok("ModelInfer label scoring")
expect_code(grpc.StatusCode.NOT_FOUND, data.ModelMetadata, v2.ModelMetadataRequest(name="no-such-model"))
details = expect_code(grpc.StatusCode.INVALID_ARGUMENT, data.ModelInfer, infer_request(model, "", datatype="INT32"))
assert "BYTES" in details, details
ok("error codes NOT_FOUND and INVALID_ARGUMENT")

runtime = mm_grpc.ModelRuntimeStub(channel(mmesh_port))
status = runtime.runtimeStatus(mm.RuntimeStatusRequest(), timeout=TIMEOUT)
assert status.status == mm.RuntimeStatusResponse.READY, status
assert list(status.methodInfos["inference.GRPCInferenceService/ModelInfer"].idInjectionPath) == [1], status
ok("runtimeStatus")
model_id = "peft-demo__isvc-c0re"
loaded = runtime.loadModel(mm.LoadModelRequest(modelId=model_id, modelPath=pulled), timeout=TIMEOUT)
assert loaded.sizeInBytes > 0, loaded
ok("loadModel")
# With id injection ModelMesh writes the model id into model_name and always sends mm-model-id.
injected = data.ModelInfer(infer_request(model_id, "injected"), timeout=TIMEOUT,
                           metadata=[("mm-model-id", model_id), ("mm-vmodel-id", "peft-demo")])
assert answer_text(injected).startswith("Tweet text : injected Label : "), injected
# Without injection model_name is the InferenceService's name and only the header names the model.
by_header = data.ModelInfer(infer_request("peft-demo", "by header"), timeout=TIMEOUT,
                            metadata=[("mm-model-id-bin", model_id.encode("utf-8"))])
assert answer_text(by_header).startswith("Tweet text : by header Label : "), by_header
ok("ModelInfer through ModelMesh's model id")
# Every per-model call names its model the same way: the header wins over a name this runtime does not serve.
header = [("mm-model-id", model_id)]
assert data.ModelReady(v2.ModelReadyRequest(name="peft-demo-isvc"), timeout=TIMEOUT, metadata=header).ready
meta = data.ModelMetadata(v2.ModelMetadataRequest(name="peft-demo-isvc"), timeout=TIMEOUT, metadata=header)
assert meta.name == model_id, meta
ok("ModelReady and ModelMetadata through ModelMesh's model id")
runtime.unloadModel(mm.UnloadModelRequest(modelId=model_id), timeout=TIMEOUT)
expect_code(grpc.StatusCode.NOT_FOUND, data.ModelInfer, infer_request(model_id, "gone"))
runtime.unloadModel(mm.UnloadModelRequest(modelId="never-loaded"), timeout=TIMEOUT)
ok("unloadModel")
