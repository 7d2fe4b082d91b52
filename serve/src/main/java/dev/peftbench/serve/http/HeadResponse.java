package dev.peftbench.serve.http;

import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * The answer to a HEAD request: what GET would answer, headers and Content-Length included, without
 * the content (RFC 9110 section 9.3.2). Helidon routes HEAD like any method and would send a body.
 */
final class HeadResponse implements ServerResponse {

    private final ServerResponse delegate;

    HeadResponse(ServerResponse delegate) {
        this.delegate = delegate;
    }

    @Override
    public void send(byte[] bytes) {
        delegate.header(HeaderNames.CONTENT_LENGTH, String.valueOf(bytes.length));
        delegate.send();
    }

    @Override
    public void send(byte[] bytes, int position, int length) {
        delegate.header(HeaderNames.CONTENT_LENGTH, String.valueOf(length));
        delegate.send();
    }

    @Override
    public void send(Object entity) {
        send(entity instanceof byte[] b ? b : String.valueOf(entity).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void send() {
        delegate.send();
    }

    @Override
    public ServerResponse status(Status status) {
        delegate.status(status);
        return this;
    }

    @Override
    public Status status() {
        return delegate.status();
    }

    @Override
    public ServerResponse header(Header header) {
        delegate.header(header);
        return this;
    }

    @Override
    public boolean isSent() {
        return delegate.isSent();
    }

    /** Streams have no length to announce: GET-only routes do not stream, so this is never reached for HEAD. */
    @Override
    public OutputStream outputStream() {
        return delegate.outputStream();
    }

    @Override
    public long bytesWritten() {
        return delegate.bytesWritten();
    }

    @Override
    public ServerResponse whenSent(Runnable listener) {
        delegate.whenSent(listener);
        return this;
    }

    @Override
    public ServerResponse reroute(String newPath) {
        delegate.reroute(newPath);
        return this;
    }

    @Override
    public ServerResponse reroute(String path, UriQuery query) {
        delegate.reroute(path, query);
        return this;
    }

    @Override
    public ServerResponse next() {
        delegate.next();
        return this;
    }

    @Override
    public ServerResponseHeaders headers() {
        return delegate.headers();
    }

    @Override
    public ServerResponseTrailers trailers() {
        return delegate.trailers();
    }

    @Override
    public void streamResult(String result) {
        delegate.streamResult(result);
    }

    @Override
    public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
        delegate.streamFilter(filterFunction);
    }
}
