package dev.peftbench.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads request bodies as JSON with a size limit: too large is 413, malformed is 400 (as KServe's
 * server answers), never a 500.
 */
public final class JsonBodies {

    private final ObjectMapper json;
    private final long maxBytes;

    public JsonBodies(ObjectMapper json, long maxBytes) {
        this.json = json;
        this.maxBytes = maxBytes;
    }

    /** The body as JSON; an empty body is {@code null} (e.g. a repository load without parameters). */
    public JsonNode read(ServerRequest req) {
        byte[] body = bytes(req);
        if (body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ServeException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body as JSON that must be present. */
    public JsonNode require(ServerRequest req) {
        JsonNode node = read(req);
        if (node == null) {
            throw ServeException.badRequest("the request needs a JSON body");
        }
        return node;
    }

    private byte[] bytes(ServerRequest req) {
        if (req.headers().contentLength().orElse(0) > maxBytes) {
            throw tooLarge();
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                throw tooLarge();
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ServeException tooLarge() {
        return new ServeException(Failure.TOO_LARGE, "the request body is larger than the limit of " + maxBytes
                + " bytes (--max-request-bytes)");
    }
}
