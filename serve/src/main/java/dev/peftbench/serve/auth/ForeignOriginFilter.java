package dev.peftbench.serve.auth;

import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.http.Endpoint;
import dev.peftbench.serve.http.JsonAnswers;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.net.URI;
import java.util.Optional;

/**
 * Refuses a POST that a web page of another origin made (RFC 6454: browsers send {@code Origin} on
 * every cross-origin POST). A page may post without asking first when the request has no body or a
 * form's content type, so without this any page open in a browser on the same machine could unload or
 * reload models of a server that wants no key. Clients that are not browsers send no Origin.
 */
public final class ForeignOriginFilter implements Filter {

    private final JsonAnswers answers;

    public ForeignOriginFilter(JsonAnswers answers) {
        this.answers = answers;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (req.prologue().method() != Method.POST || origin.isEmpty() || sameOrigin(origin.get(),
                req.headers().first(HeaderNames.HOST).orElse(""))) {
            chain.proceed();
            return;
        }
        Endpoint.closeUnlessBodyRead(req, res);
        answers.error(res, new ServeException(Failure.FORBIDDEN, "requests from web pages of another origin are refused (Origin "
                + origin.get() + ")"));
    }

    private static boolean sameOrigin(String origin, String host) {
        try {
            URI uri = URI.create(origin);
            return uri.getRawAuthority() != null && uri.getRawAuthority().equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
