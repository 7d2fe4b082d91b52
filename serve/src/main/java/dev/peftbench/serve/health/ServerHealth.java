package dev.peftbench.serve.health;

import dev.peftbench.serve.repository.ModelRepository;

import java.util.List;

/**
 * Liveness, readiness and server metadata, the same for REST and gRPC (inference_rest.md, "Health" and
 * "Server Metadata"). Live while the process answers; ready when every registered model is ready.
 */
public final class ServerHealth {

    public static final String SERVER_NAME = "peftbench";
    public static final List<String> EXTENSIONS = List.of("model_repository", "generate");

    private final ModelRepository repository;
    private final String version;
    private volatile boolean stopping;

    public ServerHealth(ModelRepository repository) {
        this.repository = repository;
        String v = ServerHealth.class.getPackage().getImplementationVersion();
        this.version = v == null ? "0.1.0" : v;
    }

    public boolean live() {
        return true;
    }

    public boolean ready() {
        return !stopping && repository.allReady();
    }

    /** Shutdown began: readiness turns false so that load balancers stop sending. */
    public void stopping() {
        stopping = true;
    }

    public String version() {
        return version;
    }
}
