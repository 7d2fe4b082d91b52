package dev.peftbench.serve.repository;

import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.http.RouteContext;
import dev.peftbench.serve.v2.InferJson;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model repository extension over REST (Triton's model repository extension): index, load (or
 * reload, optionally with new {@code base_model} / {@code adapter} / {@code template} / {@code dtype} /
 * {@code backend} / {@code device} parameters) and unload, without a restart.
 */
public final class RepositoryRoutes implements HttpService {

    private final RouteContext http;
    private final ModelRepository repository;

    public RepositoryRoutes(RouteContext http, ModelRepository repository) {
        this.http = http;
        this.repository = repository;
    }

    @Override
    public void routing(HttpRules rules) {
        http.post(rules, "/v2/repository/index", "repository_index", this::index);
        http.post(rules, "/v2/repository/models/{m}/load", "repository_load", this::load);
        http.post(rules, "/v2/repository/models/{m}/unload", "repository_unload", this::unload);
    }

    private void index(ServerRequest req, ServerResponse res) {
        JsonNode body = http.bodies().read(req);
        boolean readyOnly = body != null && body.path("ready").asBoolean(false);
        List<Map<String, Object>> rows = repository.index().stream()
                .filter(s -> !readyOnly || s.ready())
                .map(RepositoryRoutes::row)
                .toList();
        http.answers().ok(res, rows);
    }

    private void load(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("m");
        JsonNode body = http.bodies().read(req);
        ModelFields requested = body == null ? ModelFields.NONE : fields(InferJson.parameters(body.get("parameters")));
        ModelStatus s = repository.load(name, requested);
        http.answers().ok(res, row(s));
    }

    private void unload(ServerRequest req, ServerResponse res) {
        ModelStatus s = repository.unload(req.path().pathParameters().get("m"));
        http.answers().ok(res, row(s));
    }

    /** Load parameters naming what to serve and how to run it; other keys are not ours and are ignored. */
    static ModelFields fields(Map<String, Object> p) {
        return new ModelFields(text(p, "base_model"), text(p, "adapter"), text(p, "template"),
                text(p, "text_column"), text(p, "version"),
                ModelFields.parse(text(p, "dtype"), Setting.DTYPE, "load parameter dtype"),
                ModelFields.parse(text(p, "backend"), Setting.BACKEND, "load parameter backend"),
                ModelFields.parse(text(p, "device"), Setting.DEVICE, "load parameter device"));
    }

    private static String text(Map<String, Object> p, String key) {
        Object v = p.get(key);
        if (v != null && !(v instanceof String)) {
            throw ServeException.badRequest("load parameter " + key + " must be a string, got " + v);
        }
        return (String) v;
    }

    private static Map<String, Object> row(ModelStatus s) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", s.name());
        if (s.version() != null) {
            row.put("version", s.version());
        }
        row.put("state", s.state().name());
        row.put("reason", s.reason());
        return row;
    }
}
