package dev.peftbench.serve.v2;

/**
 * The two JSON forms of a v2 inference request: OIP's {@code "data"} and protobuf's JSON mapping of ModelInferRequest ({@code "contents": {"bytes_contents": [base64]}}) that ModelMesh's
 * REST proxy and the reference document send. The answer uses the request's form.
 */
public enum WireForm {
    DATA, PROTOBUF_JSON
}
