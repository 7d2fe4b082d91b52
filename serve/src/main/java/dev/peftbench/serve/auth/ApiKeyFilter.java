package dev.peftbench.serve.auth;

import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.http.Endpoint;
import dev.peftbench.serve.http.JsonAnswers;
import dev.peftbench.serve.metrics.ServeMetrics;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.util.Set;

/**
 * Every REST request passes here before its route: without the key it ends as 401 with a Bearer
 * challenge, counted in the error metrics under the endpoint {@value #ENDPOINT} (its route never ran).
 */
public final class ApiKeyFilter implements Filter {

    /** What kubelets and Prometheus call: open unless the policy protects probes. */
    static final Set<String> PROBE_PATHS = Set.of("/v2/health/live", "/v2/health/ready", "/metrics");
    static final String ENDPOINT = "auth";

    private final AccessPolicy policy;
    private final JsonAnswers answers;
    private final ServeMetrics metrics;

    public ApiKeyFilter(AccessPolicy policy, JsonAnswers answers, ServeMetrics metrics) {
        this.policy = policy;
        this.answers = answers;
        this.metrics = metrics;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String authorization = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
        if (policy.admits(PROBE_PATHS.contains(req.path().path()), authorization, req.remotePeer().address())) {
            chain.proceed();
            return;
        }
        metrics.requestDone(ENDPOINT, 0);
        metrics.requestFailed(ENDPOINT, Integer.toString(Failure.UNAUTHENTICATED.httpStatus()));
        res.header(HeaderNames.WWW_AUTHENTICATE, AccessPolicy.CHALLENGE);
        Endpoint.closeUnlessBodyRead(req, res);
        answers.error(res, new ServeException(Failure.UNAUTHENTICATED, AccessPolicy.refusal(authorization)));
    }
}
