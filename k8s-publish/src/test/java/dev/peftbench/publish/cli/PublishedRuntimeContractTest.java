package dev.peftbench.publish.cli;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.publish.manifest.Manifests;
import dev.peftbench.publish.plan.PublishPlan;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import dev.peftbench.contract.SettingValues;
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
 * ServingRuntime's container environment (over the image's own) goes through the runtime contract's
 * resolution, the one the server's configuration reads every setting through ({@link SettingValues},
 * {@link ModelChoice#runtime}), which must land on the ports, model, adapter, dtype and names the cluster
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

    /** The server's settings in that container: the image's environment with the container's over it. */
    private record Served(SettingValues settings, ModelFields model) {
        <T> T get(Setting<T> setting) {
            return settings.get(setting);
        }
    }

    @SuppressWarnings("unchecked")
    private static Served served(PublishPlan plan, boolean bakedModel, boolean bakedAdapter) {
        Map<String, String> env = new LinkedHashMap<>(RuntimeContract.imageEnvironment(bakedModel, bakedAdapter));
        Map<String, Object> container = ((List<Map<String, Object>>) runtimeSpec(plan).get("containers")).getFirst();
        for (Map<String, Object> variable : (List<Map<String, Object>>) container.get("env")) {
            // the kubelet puts a Secret's value in place of a secretKeyRef
            env.put((String) variable.get("name"), variable.containsKey("valueFrom") ? SECRET_VALUE : (String) variable.get("value"));
        }
        return new Served(new SettingValues(Map.of(), env), ModelChoice.runtime(Map.of(), env));
    }

    private static final String SECRET_VALUE = "the-secret-value-42";

    private static int port(Object endpoint) {
        return Integer.parseInt(((String) endpoint).substring("port:".length()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void builtInAdapterRuntimeServesTheReferenceModelOnTheAdaptersPorts() {
        PublishPlan plan = plan("--image", "registry.example/peft:1", "--dtype", "bfloat16");
        Served c = served(plan, false, false);
        Map<String, Object> spec = runtimeSpec(plan);
        assertEquals(port(spec.get("grpcDataEndpoint")), c.get(Setting.GRPC_PORT));
        assertEquals(((Map<String, Object>) spec.get("builtInAdapter")).get("runtimeManagementPort"), c.get(Setting.GRPC_PORT),
                "the MLServer adapter manages the server through its gRPC port");
        assertEquals(RuntimeContract.HTTP_PORT, c.get(Setting.HTTP_PORT));
        assertEquals(RuntimeContract.MMESH_OFF, c.get(Setting.MMESH_PORT), "8085 belongs to the adapter sidecar");
        assertEquals("peft-model", c.get(Setting.MODEL_NAME));
        assertEquals(Path.of("/models/_mlserver_models/"), c.get(Setting.MODELS_DIR));
        assertEquals(ModelChoice.EntryPoint.PUBLISH.defaults().baseModel(), c.model().baseModel());
        assertEquals(ModelChoice.EntryPoint.PUBLISH.defaults().adapterToLoad(), c.model().adapterToLoad());
        assertEquals(ComputeType.BFLOAT16, c.model().toSpec("peft-model").dtype());
    }

    @Test
    void nativeRuntimeAnswersModelMeshOnItsManagementEndpoint() {
        PublishPlan plan = plan("--image", "registry.example/peft:1", "--native-runtime", "--dtype", "bfloat16",
                "--adapter", "none");
        Served c = served(plan, false, false);
        Map<String, Object> spec = runtimeSpec(plan);
        assertEquals(port(spec.get("grpcEndpoint")), c.get(Setting.MMESH_PORT));
        assertEquals(RuntimeContract.MMESH_PORT, c.get(Setting.MMESH_PORT));
        assertEquals(port(spec.get("grpcDataEndpoint")), c.get(Setting.GRPC_PORT));
        assertEquals(RuntimeContract.ALL_INTERFACES, c.get(Setting.HOST));
        assertFalse(c.get(Setting.LOAD_MODELS_AT_STARTUP), "ModelMesh loads every model through the SPI");
        assertEquals(ModelChoice.EntryPoint.PUBLISH.defaults().baseModel(), c.model().baseModel());
        assertNull(c.model().adapterToLoad());
        assertEquals(ComputeType.BFLOAT16, c.model().dtype());
    }

    @Test
    void bakedModelRuntimeLoadsTheFoldersInTheImage(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        PublishPlan plan = plan("--image", "registry.example/peft:1", "--model-source", "baked", "--bake-model", model.toString(),
                "--bake-adapter", adapter.toString(), "--native-runtime");
        Served c = served(plan, true, true);
        assertEquals(RuntimeContract.BAKED_MODEL_DIR, c.model().baseModel());
        assertEquals(RuntimeContract.BAKED_ADAPTER_DIR, c.model().adapterToLoad());
        assertEquals(RuntimeContract.MMESH_PORT, c.get(Setting.MMESH_PORT));
        assertEquals(port(runtimeSpec(plan).get("grpcDataEndpoint")), c.get(Setting.GRPC_PORT));
    }

    @Test
    @SuppressWarnings("unchecked")
    void anApiKeySecretBecomesTheRuntimesKeyAndModelMeshsLocalCallsStayIn() {
        PublishPlan plan = plan("--image", "registry.example/peft:1", "--native-runtime", "--api-key-secret", "peft-key");
        Map<String, Object> container = ((List<Map<String, Object>>) runtimeSpec(plan).get("containers")).getFirst();
        Map<String, Object> keyVariable = ((List<Map<String, Object>>) container.get("env")).stream()
                .filter(v -> v.get("name").equals("PEFTBENCH_API_KEY")).findFirst().orElseThrow();
        assertEquals(Map.of("secretKeyRef", Map.of("name", "peft-key", "key", "api-key")), keyVariable.get("valueFrom"));
        Served c = served(plan, false, false);
        assertEquals(SECRET_VALUE, c.get(Setting.API_KEY));
        assertTrue(c.get(Setting.TRUST_LOOPBACK), "ModelMesh calls the runtime over localhost without the key");
        assertFalse(Manifests.yaml(plan).contains(SECRET_VALUE));
        assertEquals("other", plan("--image", "registry.example/peft:1", "--api-key-secret", "peft-key:other").apiKey().key());
        assertNull(plan("--image", "registry.example/peft:1").apiKey());
    }
}
