package dev.peftbench.serve.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.RequestMemory;
import dev.peftbench.serve.ServeException;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;

import java.io.ByteArrayOutputStream;
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

    /** A chunked body (its size unknown ahead) takes its bytes from the request memory in steps of this. */
    private static final int STEP = 64 * 1024;

    private final ObjectMapper json;
    private final long maxBytes;
    private final RequestMemory memory;

    /** The bytes one request took from the request memory, given back when it was answered. */
    private static final class Taken {
        long bytes;
    }

    /** @param memory the in-flight request bytes, which every body takes its size from before it is read */
    public JsonBodies(ObjectMapper json, long maxBytes, RequestMemory memory) {
        this.json = json;
        this.maxBytes = maxBytes;
        this.memory = memory;
    }

    /** Gives back what the request's body took from the request memory; the route answered, its objects are gone. */
    public void release(ServerRequest req) {
        req.context().get(Taken.class).ifPresent(t -> {
            memory.release(t.bytes);
            t.bytes = 0;
        });
    }

    /** Takes {@code bytes} for the request from the request memory, or refuses it (503, retry later). */
    private void take(ServerRequest req, long bytes) {
        if (!memory.tryTake(bytes)) {
            throw memory.refusal();
        }
        Taken t = req.context().get(Taken.class).orElseGet(() -> {
            Taken fresh = new Taken();
            req.context().register(fresh);
            return fresh;
        });
        t.bytes += bytes;
    }

    /** A pass over a body's JSON tokens before it is read into objects; it throws to refuse the body. */
    @FunctionalInterface
    public interface TokenCheck {
        TokenCheck NONE = tokens -> { };

        void check(JsonParser tokens) throws IOException;
    }

    /** The body as JSON; an empty body is {@code null} (e.g. a repository load without parameters). */
    public JsonNode read(ServerRequest req) {
        return read(req, maxBytes, "--max-request-bytes", TokenCheck.NONE);
    }

    /**
     * The body as JSON that must be present, refused unread when it declares more than {@code routeMaxBytes}
     * (or the server's limit), and refused by {@code check}, which sees its tokens one by one, before it
     * becomes objects: a route whose body could hold costly structure (a chat's message list) bounds it there.
     *
     * @param limit names {@code routeMaxBytes} in the refusal
     */
    public JsonNode require(ServerRequest req, long routeMaxBytes, String limit, TokenCheck check) {
        JsonNode node = routeMaxBytes < maxBytes ? read(req, routeMaxBytes, limit, check)
                : read(req, maxBytes, "--max-request-bytes", check);
        if (node == null) {
            throw ServeException.badRequest("the request needs a JSON body");
        }
        return node;
    }

    private JsonNode read(ServerRequest req, long limitBytes, String limit, TokenCheck check) {
        byte[] body = bytes(req, limitBytes, limit);
        if (body.length == 0) {
            return null;
        }
        try {
            try (JsonParser tokens = json.createParser(body)) {
                check.check(tokens);
            }
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

    private byte[] bytes(ServerRequest req, long limitBytes, String limit) {
        if (req.headers().contentLength().orElse(0) > limitBytes) {
            throw tooLarge(limitBytes, limit);
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        // the type is known from the head: a body that is no JSON is refused before it is read
        requireJson(req);
        long declared = req.headers().contentLength().orElse(-1);
        if (declared >= 0) {
            take(req, declared);
        }
        try (InputStream in = req.content().inputStream()) {
            if (declared >= 0) {
                return in.readNBytes((int) declared);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                take(req, STEP);
                byte[] piece = in.readNBytes(STEP);
                body.write(piece);
                if (body.size() > limitBytes) {
                    throw tooLarge(limitBytes, limit);
                }
                if (piece.length < STEP) {
                    return body.toByteArray();
                }
            }
        } catch (IOException | UncheckedIOException | CloseConnectionException e) {
            // the client went away, or was cut off at the body's deadline: nobody reads an answer
            throw new ServeException(Failure.CANCELLED, "the connection ended before the request body was read");
        }
    }

    private static ServeException tooLarge(long limitBytes, String limit) {
        return new ServeException(Failure.TOO_LARGE, "the request body is larger than the limit of " + limitBytes
                + " bytes (" + limit + ")");
    }
}
