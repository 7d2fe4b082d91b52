package dev.peftbench.publish.manifest;

import dev.peftbench.publish.plan.PublishPlan;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.Setting;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster objects of a {@link PublishPlan}, shaped as the reference deployment writes them
 * (sample-data/sample-runtime.yaml, peft-demo-isvc.yaml) and as KServe's ModelMesh docs require
 * (multi-model runtime, string env values, the deploymentMode annotation), plus an optional Istio
 * Gateway + VirtualService for the ASM ingress (port 8008 to the modelmesh-serving Service). The
 * runtime container's environment uses the server's own names ({@link RuntimeContract}).
 */
public final class Manifests {

    /** ModelMesh Serving's Service in front of every runtime, and its REST proxy port. */
    public static final String MODELMESH_SERVICE = "modelmesh-serving";
    public static final int MODELMESH_REST_PORT = 8008;

    private Manifests() {
    }

    /** In apply order: runtime before the service that names it; ingress last. */
    public static List<GenericKubernetesResource> of(PublishPlan plan) {
        List<GenericKubernetesResource> all = new ArrayList<>();
        all.add(servingRuntime(plan));
        all.add(inferenceService(plan));
        if (plan.gateway()) {
            all.add(gateway(plan));
            all.add(virtualService(plan));
        }
        return all;
    }

    /** Multi-document YAML, as {@code kubectl apply -f} takes it. */
    public static String yaml(PublishPlan plan) {
        StringBuilder out = new StringBuilder();
        for (GenericKubernetesResource r : of(plan)) {
            String doc = Serialization.asYaml(r);
            out.append(doc.startsWith("---") ? doc : "---\n" + doc);
            if (!doc.endsWith("\n")) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    public static String gatewayName(PublishPlan plan) {
        return plan.serviceName() + "-gateway";
    }

    static GenericKubernetesResource servingRuntime(PublishPlan p) {
        Map<String, Object> format = map("name", p.modelFormat().name(), "version", p.modelFormat().version(),
                "autoSelect", p.modelFormat().autoSelect());
        List<Map<String, Object>> env = new ArrayList<>();
        PublishPlan.ServerSettings server = p.server();
        if (p.nativeRuntime()) {
            // ModelMesh loads every model through the SPI; the runtime only needs its ports and base model.
            env.add(env(Setting.MMESH_PORT, RuntimeContract.MMESH_PORT));
            env.add(env(Setting.GRPC_PORT, server.grpcPort()));
            env.add(env(Setting.HTTP_PORT, server.httpPort()));
            env.add(env(Setting.LOAD_MODELS_AT_STARTUP, false));
            env.add(env(Setting.HOST, RuntimeContract.ALL_INTERFACES));
        } else {
            env.add(map("name", Setting.MODELS_DIR.env(), "value", server.modelsDir()));
            env.add(env(Setting.GRPC_PORT, server.grpcPort()));
            env.add(env(Setting.HTTP_PORT, server.httpPort()));
            env.add(env(Setting.LOAD_MODELS_AT_STARTUP, server.loadModelsAtStartup()));
            env.add(env(Setting.MODEL_NAME, server.modelName()));
            env.add(env(Setting.HOST, server.host()));
        }
        env.add(env(Setting.GRPC_MAX_MESSAGE_LENGTH, server.grpcMaxMessageLength()));
        env.add(env(Setting.BASE_MODEL, p.baseModel()));
        if (p.adapter() != null) {
            env.add(env(Setting.ADAPTER, p.adapter()));
        }
        if (p.textColumn() != null) {
            env.add(env(Setting.TEXT_COLUMN, p.textColumn()));
        }
        if (p.compute().dtype() != null) {
            env.add(env(Setting.DTYPE, p.compute().dtype()));
        }
        if (p.compute().backend() != null) {
            env.add(env(Setting.BACKEND, p.compute().backend()));
        }
        if (p.compute().device() != null) {
            env.add(env(Setting.DEVICE, p.compute().device()));
        }
        if (p.apiKey() != null) {
            // the key comes from the Secret at start; ModelMesh and its adapter call over localhost without one
            env.add(map("name", Setting.API_KEY.env(), "valueFrom",
                    map("secretKeyRef", map("name", p.apiKey().name(), "key", p.apiKey().key()))));
            env.add(env(Setting.TRUST_LOOPBACK, true));
        }
        Map<String, Object> resources = map(
                "requests", map("cpu", p.resources().cpuRequest(), "memory", p.resources().memoryRequest()),
                "limits", map("cpu", p.resources().cpuLimit(), "memory", p.resources().memoryLimit()));
        // The built-in adapter's serverType must equal a container's name (servingruntime_validator.go).
        Map<String, Object> container = map("name", "mlserver", "image", p.image(), "env", env, "resources", resources);
        Map<String, Object> spec = map(
                "supportedModelFormats", List.of(format),
                "multiModel", true,
                "grpcDataEndpoint", "port:" + server.grpcPort(),
                "grpcEndpoint", "port:" + RuntimeContract.MMESH_PORT,
                "containers", List.of(container));
        if (!p.nativeRuntime()) {
            spec.put("builtInAdapter", map("serverType", "mlserver",
                    "runtimeManagementPort", p.adapterSettings().runtimeManagementPort(),
                    "memBufferBytes", p.adapterSettings().memBufferBytes(),
                    "modelLoadingTimeoutMillis", p.adapterSettings().modelLoadingTimeoutMillis()));
        }
        return resource(ResourceKinds.SERVING_RUNTIME.getGroup() + "/v1alpha1", "ServingRuntime", p.runtimeName(),
                p.namespace(), Map.of(), spec);
    }

    static GenericKubernetesResource inferenceService(PublishPlan p) {
        Map<String, Object> model = map(
                "modelFormat", map("name", p.modelFormat().name()),
                "runtime", p.runtimeName(),
                "storage", map("key", p.storage().key(), "path", p.storage().path()));
        return resource("serving.kserve.io/v1beta1", "InferenceService", p.serviceName(), p.namespace(),
                Map.of("serving.kserve.io/deploymentMode", "ModelMesh"), map("predictor", map("model", model)));
    }

    static GenericKubernetesResource gateway(PublishPlan p) {
        Map<String, Object> server = map("port", map("number", MODELMESH_REST_PORT, "name", "http-modelmesh", "protocol", "HTTP"),
                "hosts", List.of("*"));
        return resource("networking.istio.io/v1beta1", "Gateway", gatewayName(p), p.namespace(), Map.of(),
                map("selector", map("istio", "ingressgateway"), "servers", List.of(server)));
    }

    static GenericKubernetesResource virtualService(PublishPlan p) {
        Map<String, Object> route = map("destination", map(
                "host", MODELMESH_SERVICE + "." + p.namespace() + ".svc.cluster.local",
                "port", map("number", MODELMESH_REST_PORT)));
        Map<String, Object> http = map("name", "v2-rest", "match", List.of(map("uri", map("prefix", "/v2/"))),
                "route", List.of(route));
        return resource("networking.istio.io/v1beta1", "VirtualService", p.serviceName(), p.namespace(), Map.of(),
                map("hosts", List.of("*"), "gateways", List.of(gatewayName(p)), "http", List.of(http)));
    }

    private static GenericKubernetesResource resource(String apiVersion, String kind, String name, String namespace,
                                                      Map<String, String> annotations, Map<String, Object> spec) {
        GenericKubernetesResourceBuilder b = new GenericKubernetesResourceBuilder()
                .withApiVersion(apiVersion).withKind(kind)
                .withNewMetadata().withName(name).withNamespace(namespace)
                .withAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations))
                .endMetadata();
        GenericKubernetesResource r = b.build();
        r.setAdditionalProperty("spec", spec);
        return r;
    }

    /** The variable of {@code setting}, its value written as the server parses it back. */
    private static <T> Map<String, Object> env(Setting<T> setting, T value) {
        return map("name", setting.env(), "value", setting.write(value));
    }

    /** An insertion-ordered map, so the YAML reads in the reference's order. */
    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
