package dev.peftbench.ui.publish;

import dev.peftbench.publish.cluster.ClusterConnection;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;

/**
 * How the Publish page reaches Kubernetes: the kubeconfig's contexts and a client for one of them.
 * The app uses the user's kubeconfig; tests hand in fabric8's mock API server.
 */
public interface Cluster {

    /** The kubeconfig's context names, the current one first; empty when there is no kubeconfig. */
    List<String> contexts();

    /** A new client for {@code context} (null = current); the caller closes it. */
    KubernetesClient open(String context);

    static Cluster kubeconfig() {
        return new Cluster() {
            @Override
            public List<String> contexts() {
                try {
                    Config config = Config.autoConfigure(null);
                    String current = config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
                    return config.getContexts().stream().map(NamedContext::getName)
                            .sorted((a, b) -> a.equals(current) ? -1 : b.equals(current) ? 1 : a.compareTo(b))
                            .toList();
                } catch (RuntimeException e) {
                    return List.of();
                }
            }

            @Override
            public KubernetesClient open(String context) {
                return ClusterConnection.open(context);
            }
        };
    }
}
