package dev.peftbench.serve.auth;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Who may call what. Without a key every call is let in (the server binds 127.0.0.1 by default). With
 * one, every model, inference, generate, OpenAI and repository call must present it; health probes and
 * metrics stay open for kubelets and Prometheus unless {@code protectProbes}.
 *
 * @param key           null = no key required
 * @param protectProbes health and metrics need the key too
 * @param trustLoopback calls from this machine's loopback address need no key: ModelMesh and its adapter
 *                      call the runtime over localhost inside the pod and cannot send one
 */
public record AccessPolicy(ApiKey key, boolean protectProbes, boolean trustLoopback) {

    public static final AccessPolicy OPEN = new AccessPolicy(null, false, false);
    /** Sent with every 401 (RFC 6750 section 3). */
    public static final String CHALLENGE = "Bearer realm=\"peftbench\"";

    public boolean keyRequired() {
        return key != null;
    }

    /**
     * Whether a call may go on.
     *
     * @param probe         a health check or the metrics scrape
     * @param authorization the Authorization header / metadata, or null
     * @param peer          the caller's address
     */
    public boolean admits(boolean probe, String authorization, SocketAddress peer) {
        if (key == null || (probe && !protectProbes)) {
            return true;
        }
        if (trustLoopback && peer instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress()) {
            return true;
        }
        return key.acceptsAuthorization(authorization);
    }

    /** The refusal's words: whether a key came and was wrong, or none came. */
    public static String refusal(String authorization) {
        return authorization == null || authorization.isBlank()
                ? "this server needs an API key: send 'Authorization: Bearer <key>'"
                : "the API key is not valid for this server";
    }
}
