package dev.peftbench.publish.cluster;

import dev.peftbench.publish.manifest.ResourceKinds;
import dev.peftbench.publish.plan.PublishPlan;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Publish against fabric8's API server mock in CRUD mode, with the KServe CRDs registered. */
@EnableKubernetesMockClient(crud = true)
class PublisherTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    private final List<PublishEvent> events = new ArrayList<>();
    private final PublishPlan plan = PublishPlan.reference("example.registry/peft-workbench:0.1");

    @BeforeEach
    void cluster() throws IOException {
        client.apiextensions().v1().customResourceDefinitions().list().getItems()
                .forEach(c -> client.resource(c).delete());
        client.namespaces().list().getItems().forEach(n -> client.resource(n).delete());
        client.pods().inNamespace(plan.namespace()).delete();
        for (var kind : List.of(ResourceKinds.SERVING_RUNTIME, ResourceKinds.INFERENCE_SERVICE)) {
            client.genericKubernetesResources(kind).inNamespace(plan.namespace()).delete();
        }
        try (InputStream crd = new FileInputStream("src/test/resources/crds/serving.kserve.io_servingruntimes.yaml")) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(plan.namespace()).endMetadata().build()).create();
    }

    private GenericKubernetesResource isvc() {
        return client.genericKubernetesResources(ResourceKinds.INFERENCE_SERVICE).inNamespace(plan.namespace())
                .withName(plan.serviceName()).get();
    }

    private void setReady(String status, String reason) {
        GenericKubernetesResource r = isvc();
        r.setAdditionalProperty("status", Map.of("conditions", List.of(
                Map.of("type", "Ready", "status", status, "reason", reason))));
        client.genericKubernetesResources(ResourceKinds.INFERENCE_SERVICE).inNamespace(plan.namespace()).resource(r).update();
    }

    @Test
    void applyCreatesTheRuntimeAndTheInferenceService() {
        new Publisher(client).apply(plan, false, events::add);
        GenericKubernetesResource runtime = client.genericKubernetesResources(ResourceKinds.SERVING_RUNTIME)
                .inNamespace(plan.namespace()).withName(plan.runtimeName()).get();
        assertNotNull(runtime);
        assertEquals(true, ((Map<?, ?>) runtime.getAdditionalProperties().get("spec")).get("multiModel"));
        assertEquals("ModelMesh", isvc().getMetadata().getAnnotations().get("serving.kserve.io/deploymentMode"));
        assertTrue(events.stream().anyMatch(e -> e.message().startsWith("created ServingRuntime")), events.toString());
    }

    @Test
    void reapplyingUpdatesInPlace() {
        Publisher publisher = new Publisher(client);
        publisher.apply(plan, false, events::add);
        events.clear();
        publisher.apply(plan, false, events::add);
        assertTrue(events.stream().filter(e -> e.stage() == PublishEvent.Stage.APPLY).allMatch(e -> e.message().startsWith("updated")),
                events.toString());
        assertEquals(1, client.genericKubernetesResources(ResourceKinds.INFERENCE_SERVICE).inNamespace(plan.namespace())
                .list().getItems().size());
    }

    @Test
    void waitsUntilTheInferenceServiceIsReadyAndNamesTheEndpoint() {
        Publisher publisher = new Publisher(client, Duration.ofMillis(50));
        publisher.apply(plan, false, events::add);
        setReady("False", "Loading");
        CompletableFuture.runAsync(() -> {
            sleep(300);
            setReady("True", "Loaded");
        });
        String endpoint = publisher.awaitReady(plan, Duration.ofSeconds(20), events::add);
        assertTrue(endpoint.contains("/v2/models/peft-demo/infer"), endpoint);
        assertTrue(events.stream().anyMatch(e -> e.message().contains("Ready=False (Loading)")), events.toString());
        assertEquals(PublishEvent.Stage.READY, events.getLast().stage());
    }

    @Test
    void timeoutExplainsPendingRuntimePods() {
        Publisher publisher = new Publisher(client, Duration.ofMillis(50));
        publisher.apply(plan, false, events::add);
        client.pods().inNamespace(plan.namespace()).resource(new PodBuilder()
                .withNewMetadata().withName("modelmesh-serving-" + plan.runtimeName() + "-7d9f").endMetadata()
                .withNewStatus().withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("Unschedulable").withMessage("0/1 nodes are available: 1 Insufficient memory.").endCondition()
                .endStatus().build()).create();
        PublishException e = assertThrows(PublishException.class,
                () -> publisher.awaitReady(plan, Duration.ofMillis(300), events::add));
        assertTrue(e.getMessage().contains("Insufficient memory") && e.getMessage().contains("lower the requests"), e.getMessage());
        assertEquals(PublishEvent.Stage.FAILED, events.getLast().stage());
    }

    @Test
    void timeoutExplainsAModelLoadingTimeout() {
        Publisher publisher = new Publisher(client, Duration.ofMillis(50));
        publisher.apply(plan, false, events::add);
        setReady("False", "ModelLoadingTimeout");
        PublishException e = assertThrows(PublishException.class,
                () -> publisher.awaitReady(plan, Duration.ofMillis(200), events::add));
        assertTrue(e.getMessage().contains("modelLoadingTimeoutMillis"), e.getMessage());
    }

    @Test
    void deleteRemovesWhatPublishCreated() {
        Publisher publisher = new Publisher(client);
        publisher.apply(plan, false, events::add);
        publisher.delete(plan, events::add);
        assertNull(isvc());
        assertNull(client.genericKubernetesResources(ResourceKinds.SERVING_RUNTIME).inNamespace(plan.namespace())
                .withName(plan.runtimeName()).get());
        assertTrue(events.stream().anyMatch(e -> e.message().startsWith("deleted InferenceService")), events.toString());
    }

    @Test
    void theIngressIsAppliedAndDeletedWithTheRestIncludingTheRuntimesHttpService() {
        PublishPlan gated = plan.withIngress(new PublishPlan.Ingress(List.of("peft.example.com")));
        Publisher publisher = new Publisher(client);
        publisher.apply(gated, false, events::add);
        assertNotNull(client.services().inNamespace(plan.namespace()).withName(plan.serviceName() + "-v1").get());
        GenericKubernetesResource gateway = client.genericKubernetesResources(ResourceKinds.GATEWAY).inNamespace(plan.namespace())
                .withName(plan.serviceName() + "-gateway").get();
        Map<?, ?> server = (Map<?, ?>) ((List<?>) ((Map<?, ?>) gateway.getAdditionalProperties().get("spec")).get("servers")).getFirst();
        assertEquals(List.of("peft.example.com"), server.get("hosts"));
        publisher.delete(gated, events::add);
        assertNull(client.services().inNamespace(plan.namespace()).withName(plan.serviceName() + "-v1").get());
        assertTrue(events.stream().anyMatch(e -> e.message().startsWith("deleted Service")), events.toString());
    }

    @Test
    void missingKServeIsReportedBeforeAnythingIsWritten() {
        client.apiextensions().v1().customResourceDefinitions().withName(ResourceKinds.SERVING_RUNTIME_CRD).delete();
        PublishException e = assertThrows(PublishException.class, () -> new Publisher(client).apply(plan, false, events::add));
        assertTrue(e.getMessage().contains("KServe / ModelMesh is not installed in this cluster"), e.getMessage());
        assertNull(isvc());
    }

    @Test
    void missingNamespaceIsReportedOrCreatedOnRequest() {
        client.namespaces().withName(plan.namespace()).delete();
        PublishException e = assertThrows(PublishException.class, () -> new Publisher(client).apply(plan, false, events::add));
        assertTrue(e.getMessage().contains("--create-namespace"), e.getMessage());
        new Publisher(client).apply(plan, true, events::add);
        assertNotNull(client.namespaces().withName(plan.namespace()).get());
        assertNotNull(isvc());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
