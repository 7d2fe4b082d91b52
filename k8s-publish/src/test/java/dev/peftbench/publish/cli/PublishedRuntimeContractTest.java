package dev.peftbench.publish.cli;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.publish.manifest.Manifests;
import dev.peftbench.publish.plan.PublishPlan;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.serve.ServeConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code publish} writes is what {@code serve} reads: for each way of publishing, the
 * ServingRuntime's container environment (over the image's own) goes through the server's own
 * configuration resolution, which must land on the ports, model, adapter, dtype and names the cluster
 * objects promise ModelMesh.
 */
class PublishedRuntimeContractTest {

    /** The plan {@code publish} builds from these arguments, as the command parses them. */
    private static PublishPlan plan(String... args) {
        PublishCommand command = new PublishCommand();
        new CommandLine(command).parseArgs(args);
        return command.plan();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> runtimeSpec(PublishPlan plan) {
        GenericKubernetesResource runtime = Manifests.of(plan).getFirst();
        return (Map<String, Object>) runtime.getAdditionalProperties().get("spec");
    }

    /** The server's configuration in that container: the image's environment with the container's over it. */
    @SuppressWarnings("unchecked")
    private static ServeConfig served(PublishPlan plan, boolean bakedModel, boolean bakedAdapter) {
        Map<String, String> env = new LinkedHashMap<>(RuntimeContract.imageEnvironment(bakedModel, bakedAdapter));
        Map<String, Object> container = ((List<Map<String, Object>>) runtimeSpec(plan).get("containers")).getFirst();
        for (Map<String, Object> variable : (List<Map<String, Object>>) container.get("env")) {
            // the kubelet puts a Secret's value in place of a secretKeyRef
            env.put((String) variable.get("name"), variable.containsKey("valueFrom") ? SECRET_VALUE : (String) variable.get("value"));
        }
        return ServeConfig.resolve(Map.of(), env);
    }

    private static final String SECRET_VALUE = "the-secret-value-42";

    private static int port(Object endpoint) {
        return Integer.parseInt(((String) endpoint).substring("port:".length()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void builtInAdapterRuntimeServesTheReferenceModelOnTheAdaptersPorts() {
        PublishPlan plan = plan("--image", "registry.example/peft:1", "--dtype", "bfloat16");
        ServeConfig c = served(plan, false, false);
        Map<String, Object> spec = runtimeSpec(plan);
        assertEquals(port(spec.get("grpcDataEndpoint")), c.grpcPort());
        assertEquals(((Map<String, Object>) spec.get("builtInAdapter")).get("runtimeManagementPort"), c.grpcPort(),
                "the MLServer adapter manages the server through its gRPC port");
        assertEquals(RuntimeContract.HTTP_PORT, c.httpPort());
        assertEquals(ServeConfig.MMESH_OFF, c.mmeshPort(), "8085 belongs to the adapter sidecar");
        assertEquals("peft-model", c.modelName());
        assertEquals(Path.of("/models/_mlserver_models/"), c.modelsDir());
        assertEquals(PublishPlan.DEFAULT_BASE_MODEL, c.model().baseModel());
        assertEquals(PublishPlan.DEFAULT_ADAPTER, c.model().adapterToLoad());
        assertEquals(ComputeType.BFLOAT16, c.model().toSpec("peft-model").dtype());
    }

    @Test
    void nativeRuntimeAnswersModelMeshOnItsManagementEndpoint() {
        PublishPlan plan = plan("--image", "registry.example/peft:1", "--native-runtime", "--dtype", "bfloat16",
                "--adapter", "none");
        ServeConfig c = served(plan, false, false);
        Map<String, Object> spec = runtimeSpec(plan);
        assertEquals(port(spec.get("grpcEndpoint")), c.mmeshPort());
        assertEquals(RuntimeContract.MMESH_PORT, c.mmeshPort());
        assertEquals(port(spec.get("grpcDataEndpoint")), c.grpcPort());
        assertEquals(RuntimeContract.ALL_INTERFACES, c.host());
        assertFalse(c.loadModelsAtStartup(), "ModelMesh loads every model through the SPI");
        assertEquals(PublishPlan.DEFAULT_BASE_MODEL, c.model().baseModel());
        assertNull(c.model().adapterToLoad());
        assertEquals(ComputeType.BFLOAT16, c.model().dtype());
    }

    @Test
    void bakedModelRuntimeLoadsTheFoldersInTheImage(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        PublishPlan plan = plan("--image", "registry.example/peft:1", "--model-source", "baked", "--bake-model", model.toString(),
                "--bake-adapter", adapter.toString(), "--native-runtime");
        ServeConfig c = served(plan, true, true);
        assertEquals(RuntimeContract.BAKED_MODEL_DIR, c.model().baseModel());
        assertEquals(RuntimeContract.BAKED_ADAPTER_DIR, c.model().adapterToLoad());
        assertEquals(RuntimeContract.MMESH_PORT, c.mmeshPort());
        assertEquals(port(runtimeSpec(plan).get("grpcDataEndpoint")), c.grpcPort());
    }

    @Test
    @SuppressWarnings("unchecked")
    void anApiKeySecretBecomesTheRuntimesKeyAndModelMeshsLocalCallsStayIn() {
        PublishPlan plan = plan("--image", "registry.example/peft:1", "--native-runtime", "--api-key-secret", "peft-key");
        Map<String, Object> container = ((List<Map<String, Object>>) runtimeSpec(plan).get("containers")).getFirst();
        Map<String, Object> keyVariable = ((List<Map<String, Object>>) container.get("env")).stream()
                .filter(v -> v.get("name").equals("PEFTBENCH_API_KEY")).findFirst().orElseThrow();
        assertEquals(Map.of("secretKeyRef", Map.of("name", "peft-key", "key", "api-key")), keyVariable.get("valueFrom"));
        ServeConfig c = served(plan, false, false);
        assertTrue(c.access().key().acceptsAuthorization("Bearer " + SECRET_VALUE));
        assertTrue(c.access().trustLoopback(), "ModelMesh calls the runtime over localhost without the key");
        assertFalse(Manifests.yaml(plan).contains(SECRET_VALUE));
        assertEquals("other", plan("--image", "registry.example/peft:1", "--api-key-secret", "peft-key:other").apiKey().key());
        assertNull(plan("--image", "registry.example/peft:1").apiKey());
    }
}
