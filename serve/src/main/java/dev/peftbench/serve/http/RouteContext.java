package dev.peftbench.serve.http;

import dev.peftbench.serve.metrics.ServeMetrics;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;

/**
 * What every REST route needs: metrics, the JSON answer writer, the limited body reader, and the table
 * of routes (for 405 answers). Routes are added through {@link #get} and {@link #post}.
 */
public record RouteContext(ServeMetrics metrics, JsonAnswers answers, JsonBodies bodies, RouteTable table) {

    public Handler endpoint(String name, Endpoint.Body body) {
        return new Endpoint(name, metrics, answers, body);
    }

    /** A GET route, which answers HEAD too (the same headers, no content). */
    public void get(HttpRules rules, String path, String name, Endpoint.Body body) {
        Handler handler = endpoint(name, body);
        rules.get(path, handler).head(path, handler);
        table.add(Method.GET, path);
        table.add(Method.HEAD, path);
    }

    public void post(HttpRules rules, String path, String name, Endpoint.Body body) {
        rules.post(path, endpoint(name, body));
        table.add(Method.POST, path);
    }
}
