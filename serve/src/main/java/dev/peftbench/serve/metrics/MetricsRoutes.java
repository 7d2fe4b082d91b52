package dev.peftbench.serve.metrics;

import dev.peftbench.serve.http.RouteContext;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import java.nio.charset.StandardCharsets;

/** {@code GET /metrics} in Prometheus' text format. */
public final class MetricsRoutes implements HttpService {

    private final RouteContext http;

    public MetricsRoutes(RouteContext http) {
        this.http = http;
    }

    @Override
    public void routing(HttpRules rules) {
        http.get(rules, "/metrics", "metrics", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            res.send(http.metrics().scrape().getBytes(StandardCharsets.UTF_8));
        });
    }
}
