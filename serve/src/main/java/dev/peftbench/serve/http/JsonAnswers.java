package dev.peftbench.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;

/** Writes JSON bodies and the one error shape, {@code {"error": "..."}} (inference_rest.md, "Errors"). */
public final class JsonAnswers {

    public static final String JSON = "application/json";
    private final ObjectMapper json;

    public JsonAnswers(ObjectMapper json) {
        this.json = json;
    }

    public ObjectMapper mapper() {
        return json;
    }

    public void send(ServerResponse res, int status, Object body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.send(bytes);
    }

    public void ok(ServerResponse res, Object body) {
        send(res, 200, body);
    }

    /** The error answer; a full queue or memory also says when to retry (503 with Retry-After, RFC 9110 section 10.2.3). */
    public void error(ServerResponse res, ServeException e) {
        error(res, e, Map.of("error", e.getMessage()));
    }

    /** An error answer with its status (and Retry-After when the queue is full) and this body. */
    public void error(ServerResponse res, ServeException e, Object body) {
        if (e.failure() == Failure.QUEUE_FULL || e.failure() == Failure.OVERLOADED) {
            res.header(HeaderNames.RETRY_AFTER, "1");
        }
        send(res, e.failure().httpStatus(), body);
    }
}
