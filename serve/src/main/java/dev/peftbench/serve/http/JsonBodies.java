package dev.peftbench.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Reads request bodies as JSON with a size limit: too large is 413, malformed is 400 (as KServe's
 * server answers), never a 500. A body must be declared JSON ({@code application/json} or a
 * {@code +json} type, RFC 6839 section 3.1; a charset, if any, UTF-8): anything else is 415, so a web
 * page cannot post here with the content types a browser sends without asking first (a form's, or
 * {@code text/plain}).
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
        requireJson(req);
        try {
            return json.readTree(body);
        } catch (StreamConstraintsException e) {
            throw ServeException.badRequest("the JSON body nests too deep or holds a number or string too long to read");
        } catch (JsonProcessingException e) {
            throw ServeException.badRequest("malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"));
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

    private static void requireJson(ServerRequest req) {
        Optional<HttpMediaType> type = req.headers().contentType();
        boolean json = type.isPresent() && type.get().mediaType().type().equals("application")
                && (type.get().mediaType().subtype().equals("json") || type.get().mediaType().subtype().endsWith("+json"))
                && type.get().charset().map(c -> c.equalsIgnoreCase("utf-8") || c.equalsIgnoreCase("utf8")).orElse(true);
        if (!json) {
            throw new ServeException(Failure.UNSUPPORTED_MEDIA_TYPE, "this route takes a JSON body: send 'Content-Type: "
                    + JsonAnswers.JSON + "'" + type.map(t -> " (got '" + t.text() + "')").orElse(" (none was sent)")
                    + "; with curl add -H 'Content-Type: application/json'");
        }
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
        } catch (IOException | UncheckedIOException | CloseConnectionException e) {
            // the client went away, or was cut off at the body's deadline: nobody reads an answer
            throw new ServeException(Failure.CANCELLED, "the connection ended before the request body was read");
        }
    }

    private ServeException tooLarge() {
        return new ServeException(Failure.TOO_LARGE, "the request body is larger than the limit of " + maxBytes
                + " bytes (--max-request-bytes)");
    }
}
