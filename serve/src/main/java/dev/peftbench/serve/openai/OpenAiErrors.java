package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.http.Endpoint;
import dev.peftbench.serve.http.JsonAnswers;
import io.helidon.webserver.http.ServerResponse;

/**
 * OpenAI's error body, {@code {"error": {"message", "type", "param", "code"}}}, with the server's status
 * codes (400 bad request, 404 unknown model, 413, 503 + Retry-After when the queue is full or the model
 * is not ready, 504 timeout, 500), so OpenAI clients raise their usual exceptions with our message.
 */
final class OpenAiErrors implements Endpoint.Errors {

    private final JsonAnswers answers;

    OpenAiErrors(JsonAnswers answers) {
        this.answers = answers;
    }

    @Override
    public void write(ServerResponse res, ServeException e) {
        answers.error(res, e, body(answers.mapper(), e));
    }

    static ObjectNode body(ObjectMapper json, ServeException e) {
        ObjectNode out = json.createObjectNode();
        ObjectNode error = out.putObject("error").put("message", e.getMessage()).put("type", type(e.failure()));
        error.putNull("param");
        if (e.failure() == Failure.NOT_FOUND) {
            error.put("code", "model_not_found");
        } else {
            error.putNull("code");
        }
        return out;
    }

    private static String type(Failure failure) {
        return switch (failure) {
            case BAD_REQUEST, TOO_LARGE, PROMPT_TOO_LARGE, LOAD_FAILED, NOT_FOUND, CONFLICT, UNSUPPORTED_MEDIA_TYPE,
                 METHOD_NOT_ALLOWED, HTTP_VERSION_NOT_SUPPORTED -> "invalid_request_error";
            case UNAUTHENTICATED -> "authentication_error";
            case FORBIDDEN -> "permission_error";
            case QUEUE_FULL, OVERLOADED, NOT_READY -> "service_unavailable_error";
            case TIMEOUT -> "timeout_error";
            case CANCELLED -> "cancelled";
            case INTERNAL -> "server_error";
        };
    }
}
