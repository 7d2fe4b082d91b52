package dev.peftbench.publish.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Opens a client for the current kubeconfig context or a named one, and says plainly when there is no
 * kubeconfig to use (fabric8 would otherwise fall back to an in-cluster address and fail later).
 */
public final class ClusterConnection {

    private ClusterConnection() {
    }

    public static KubernetesClient open(String context) {
        return open(context, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static KubernetesClient open(String context, Map<String, String> env, Path home) {
        String kubeconfig = env.get("KUBECONFIG");
        boolean inCluster = env.get("KUBERNETES_SERVICE_HOST") != null;
        Path defaultConfig = home.resolve(".kube/config");
        boolean hasFile = kubeconfig != null && !kubeconfig.isBlank()
                ? java.util.Arrays.stream(kubeconfig.split(java.io.File.pathSeparator)).anyMatch(f -> Files.isRegularFile(Path.of(f)))
                : Files.isRegularFile(defaultConfig);
        if (!hasFile && !inCluster) {
            throw new PublishException("no kubeconfig found (looked at " + (kubeconfig != null ? "$KUBECONFIG=" + kubeconfig
                    : defaultConfig) + "): point KUBECONFIG at your cluster's config, or run `kubectl config view` to check");
        }
        Config config = Config.autoConfigure(context);
        if (context != null && (config.getCurrentContext() == null || !context.equals(config.getCurrentContext().getName()))) {
            throw new PublishException("kube context '" + context + "' is not in the kubeconfig; `kubectl config get-contexts` lists them");
        }
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
