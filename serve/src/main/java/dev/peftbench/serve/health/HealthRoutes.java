package dev.peftbench.serve.health;

import dev.peftbench.serve.http.RouteContext;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import java.util.Map;

/**
 * The health probes (inference_rest.md, "Health"): {@code GET /v2/health/live} and {@code /v2/health/ready},
 * 200 or 503. Served on the REST port and, when there is one, on the probes' own port.
 */
public final class HealthRoutes implements HttpService {

    private final RouteContext http;
    private final ServerHealth health;

    public HealthRoutes(RouteContext http, ServerHealth health) {
        this.http = http;
        this.health = health;
    }

    @Override
    public void routing(HttpRules rules) {
        http.get(rules, "/v2/health/live", "live", (req, res) ->
                http.answers().send(res, health.live() ? 200 : 503, Map.of("live", health.live())));
        http.get(rules, "/v2/health/ready", "ready", (req, res) ->
                http.answers().send(res, health.ready() ? 200 : 503, Map.of("ready", health.ready())));
    }
}
