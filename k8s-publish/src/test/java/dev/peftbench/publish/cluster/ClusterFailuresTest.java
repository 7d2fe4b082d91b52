package dev.peftbench.publish.cluster;

import dev.peftbench.publish.plan.PublishPlan;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pre-checks that are about reaching the cluster at all: each ends in one actionable message. */
@EnableKubernetesMockClient
class ClusterFailuresTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    private final PublishPlan plan = PublishPlan.reference("example.registry/peft-workbench:0.1");

    @Test
    void forbiddenByRbacSaysWhichPermissionIsMissing() {
        server.expect().get().withPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/servingruntimes.serving.kserve.io")
                .andReturn(403, Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "code", 403, "reason", "Forbidden",
                        "message", "customresourcedefinitions is forbidden: User \"dev\" cannot get resource"))
                .once();
        PublishException e = assertThrows(PublishException.class, () -> new Publisher(client).check(plan, false, x -> { }));
        assertTrue(e.getMessage().startsWith("forbidden to read CustomResourceDefinitions (RBAC)"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot get resource"), e.getMessage());
    }

    @Test
    void unreachableApiServerNamesTheAddress() {
        try (KubernetesClient nowhere = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:9").withRequestRetryBackoffLimit(0).withConnectionTimeout(2000).build()).build()) {
            PublishException e = assertThrows(PublishException.class, () -> new Publisher(nowhere).check(plan, false, x -> { }));
            assertTrue(e.getMessage().contains("cannot reach the API server at http://127.0.0.1:9"), e.getMessage());
        }
    }

    @Test
    void noKubeconfigSaysWhereItLooked(@TempDir Path home) {
        PublishException e = assertThrows(PublishException.class, () -> ClusterConnection.open(null, Map.of(), home));
        assertTrue(e.getMessage().startsWith("no kubeconfig found") && e.getMessage().contains(home.resolve(".kube/config").toString()),
                e.getMessage());
    }
}
