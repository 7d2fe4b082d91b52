package dev.peftbench.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

import java.util.Map;

/**
 * Answers what fails before a route runs (a Content-Length that is no number, two of them,
 * Content-Length with Transfer-Encoding, an over-long request line...) in the same JSON error shape as
 * every route, with the parser's own reason for a 4xx; never a stack trace, and nothing for a 5xx.
 */
public final class ProtocolErrors implements DirectHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** This handler for every event the server answers before routing. */
    public static DirectHandlers handlers() {
        ProtocolErrors handler = new ProtocolErrors();
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            b.addHandler(type, handler);
        }
        return b.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, Throwable thrown) {
        return handle(request, eventType, defaultStatus, responseHeaders, thrown, null);
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, Throwable thrown, System.Logger logger) {
        String reason = thrown instanceof RequestException && defaultStatus.code() < 500 && thrown.getMessage() != null
                ? thrown.getMessage() : null;
        return handle(request, eventType, defaultStatus, responseHeaders, reason);
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, String message) {
        String text = defaultStatus.code() >= 500 || message == null || message.isBlank()
                ? defaultStatus.reasonPhrase().toLowerCase(java.util.Locale.ROOT) : message;
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("error", text));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return TransportResponse.builder()
                .status(defaultStatus)
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, JsonAnswers.JSON)
                .entity(body)
                .build();
    }
}
