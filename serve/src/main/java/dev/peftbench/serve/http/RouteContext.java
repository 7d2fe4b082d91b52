package dev.peftbench.serve.http;

import dev.peftbench.serve.metrics.ServeMetrics;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;

import java.util.function.BooleanSupplier;

/**
 * What every REST route needs: metrics, the JSON answer writer, the limited body reader, the table of
 * routes (for 405 answers) and the connections (to hear a client hang up). Routes are added through
 * {@link #get} and {@link #post}.
 */
public record RouteContext(ServeMetrics metrics, JsonAnswers answers, JsonBodies bodies, RouteTable table,
                           HttpConnections connections) {

    /** Whether the client of {@code req}, whose whole body was read, hung up while its answer is computed. */
    public BooleanSupplier hangUp(ServerRequest req) {
        return connections.hangUp(req);
    }

    public Handler endpoint(String name, Endpoint.Body body) {
        return new Endpoint(name, metrics, answers::error, bodies, body);
    }

    /** A route whose failures are written by {@code errors}. */
    public Handler endpoint(String name, Endpoint.Body body, Endpoint.Errors errors) {
        return new Endpoint(name, metrics, errors, bodies, body);
    }

    /** A GET route, which answers HEAD too (the same headers, no content). */
    public void get(HttpRules rules, String path, String name, Endpoint.Body body) {
        get(rules, path, endpoint(name, body));
    }

    /** As {@link #get(HttpRules, String, String, Endpoint.Body)}, its failures written by {@code errors}. */
    public void get(HttpRules rules, String path, String name, Endpoint.Body body, Endpoint.Errors errors) {
        get(rules, path, endpoint(name, body, errors));
    }

    public void post(HttpRules rules, String path, String name, Endpoint.Body body) {
        post(rules, path, endpoint(name, body));
    }

    /** As {@link #post(HttpRules, String, String, Endpoint.Body)}, its failures written by {@code errors}. */
    public void post(HttpRules rules, String path, String name, Endpoint.Body body, Endpoint.Errors errors) {
        post(rules, path, endpoint(name, body, errors));
    }

    private void get(HttpRules rules, String path, Handler handler) {
        rules.get(path, handler).head(path, handler);
        table.add(Method.GET, path);
        table.add(Method.HEAD, path);
    }

    private void post(HttpRules rules, String path, Handler handler) {
        rules.post(path, handler);
        table.add(Method.POST, path);
    }
}
