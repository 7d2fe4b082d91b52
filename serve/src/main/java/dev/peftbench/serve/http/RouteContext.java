package dev.peftbench.serve.http;

import dev.peftbench.serve.metrics.ServeMetrics;
import io.helidon.webserver.http.Handler;

/** What every REST route needs: metrics, the JSON answer writer and the limited body reader. */
public record RouteContext(ServeMetrics metrics, JsonAnswers answers, JsonBodies bodies) {

    public Handler endpoint(String name, Endpoint.Body body) {
        return new Endpoint(name, metrics, answers, body);
    }

    /** A route whose failures are written by {@code errors}. */
    public Handler endpoint(String name, Endpoint.Body body, Endpoint.Errors errors) {
        return new Endpoint(name, metrics, errors, body);
    }
}
