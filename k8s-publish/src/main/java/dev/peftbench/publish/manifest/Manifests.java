package dev.peftbench.publish.manifest;

import dev.peftbench.publish.plan.PublishPlan;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.Setting;
import dev.peftbench.engine.hub.HubSettings;
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
 * Gateway + VirtualService for the ASM ingress, accepting the plan's hosts only: {@code /v2/} to ModelMesh's
 * REST proxy (port 8008 of the modelmesh-serving Service), {@code /v1/} (the OpenAI routes, which the proxy
 * does not speak) to the runtime pods' own HTTP port through a Service of their own. The runtime
 * container's environment uses the server's own names ({@link RuntimeContract}).
 */
public final class Manifests {

    /** ModelMesh Serving's Service in front of every runtime, and its REST proxy port. */
    public static final String MODELMESH_SERVICE = "modelmesh-serving";
    public static final int MODELMESH_REST_PORT = 8008;
    /** The runtime pods' label ModelMesh sets: {@code name: modelmesh-serving-<runtime>} (its deployment.yaml.tmpl). */
    static final String RUNTIME_POD_LABEL = "name";
    /** The runtime's Hugging Face cache volume (not one of the names ModelMesh reserves). */
    static final String HF_CACHE_VOLUME = "hf-cache";

    private Manifests() {
    }

    /** In apply order: runtime before the service that names it; ingress last. */
    public static List<GenericKubernetesResource> of(PublishPlan plan) {
        List<GenericKubernetesResource> all = new ArrayList<>();
        all.add(servingRuntime(plan));
        all.add(inferenceService(plan));
        if (plan.gateway()) {
            all.add(runtimeHttpService(plan));
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

    /** The Service in front of the runtime pods' HTTP port, where the gateway sends {@code /v1/}. */
    public static String runtimeHttpServiceName(PublishPlan plan) {
        return plan.serviceName() + PublishPlan.Ingress.SERVICE_SUFFIX;
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
            // the gateway's /v1/ reaches the server's HTTP port from outside the pod
            env.add(env(Setting.HOST, p.gateway() ? RuntimeContract.ALL_INTERFACES : server.host()));
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
        PublishPlan.HubAccess hub = p.hub();
        if (hub.cache()) {
            env.add(map("name", HubSettings.HF_HOME, "value", RuntimeContract.HF_HOME_DIR));
        }
        if (hub.token() != null) {
            env.add(map("name", HubSettings.HF_TOKEN, "valueFrom",
                    map("secretKeyRef", map("name", hub.token().name(), "key", hub.token().key()))));
        }
        Map<String, Object> resources = map(
                "requests", map("cpu", p.resources().cpuRequest(), "memory", p.resources().memoryRequest()),
                "limits", map("cpu", p.resources().cpuLimit(), "memory", p.resources().memoryLimit()));
        // The built-in adapter's serverType must equal a container's name (servingruntime_validator.go).
        Map<String, Object> container = map("name", "mlserver", "image", p.image(), "env", env, "resources", resources);
        if (hub.cache()) {
            container.put("volumeMounts", List.of(map("name", HF_CACHE_VOLUME, "mountPath", RuntimeContract.HF_HOME_DIR)));
        }
        Map<String, Object> spec = map(
                "supportedModelFormats", List.of(format),
                "multiModel", true,
                "grpcDataEndpoint", "port:" + server.grpcPort(),
                "grpcEndpoint", "port:" + RuntimeContract.MMESH_PORT,
                "containers", List.of(container));
        if (hub.cache()) {
            spec.put("volumes", List.of(map("name", HF_CACHE_VOLUME, hub.cacheClaim() == null ? "emptyDir" : "persistentVolumeClaim",
                    hub.cacheClaim() == null ? map() : map("claimName", hub.cacheClaim()))));
        }
        if (p.storage().inImage()) {
            // nothing to pull: ModelMesh passes the storage path, a folder of the image, to loadModel itself
            spec.put("storageHelper", map("disabled", true));
        }
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
        Map<String, Object> storage = p.storage().inImage() ? map("path", p.storage().path())
                : map("key", p.storage().key(), "path", p.storage().path());
        Map<String, Object> model = map(
                "modelFormat", map("name", p.modelFormat().name()),
                "runtime", p.runtimeName(),
                "storage", storage);
        return resource("serving.kserve.io/v1beta1", "InferenceService", p.serviceName(), p.namespace(),
                Map.of("serving.kserve.io/deploymentMode", "ModelMesh"), map("predictor", map("model", model)));
    }

    /** The runtime pods' HTTP port (the server's REST, with the OpenAI routes) as a Service of its own. */
    static GenericKubernetesResource runtimeHttpService(PublishPlan p) {
        Map<String, Object> port = map("name", "http-runtime", "port", p.server().httpPort(), "targetPort", p.server().httpPort(),
                "protocol", "TCP");
        Map<String, Object> spec = map("selector", map(RUNTIME_POD_LABEL, MODELMESH_SERVICE + "-" + p.runtimeName()),
                "ports", List.of(port));
        return resource("v1", "Service", runtimeHttpServiceName(p), p.namespace(), Map.of(), spec);
    }

    static GenericKubernetesResource gateway(PublishPlan p) {
        Map<String, Object> server = map("port", map("number", MODELMESH_REST_PORT, "name", "http-modelmesh", "protocol", "HTTP"),
                "hosts", p.ingress().hosts());
        return resource("networking.istio.io/v1beta1", "Gateway", gatewayName(p), p.namespace(), Map.of(),
                map("selector", map("istio", "ingressgateway"), "servers", List.of(server)));
    }

    static GenericKubernetesResource virtualService(PublishPlan p) {
        Map<String, Object> v2 = route("v2-rest", "/v2/", MODELMESH_SERVICE, p, MODELMESH_REST_PORT);
        Map<String, Object> v1 = route("v1-openai", "/v1/", runtimeHttpServiceName(p), p, p.server().httpPort());
        return resource("networking.istio.io/v1beta1", "VirtualService", p.serviceName(), p.namespace(), Map.of(),
                map("hosts", p.ingress().hosts(), "gateways", List.of(gatewayName(p)), "http", List.of(v2, v1)));
    }

    /** An http route of a VirtualService: the prefix to a Service's port (required: a Service may have several). */
    private static Map<String, Object> route(String name, String prefix, String service, PublishPlan p, int port) {
        Map<String, Object> destination = map("destination", map(
                "host", service + "." + p.namespace() + ".svc.cluster.local",
                "port", map("number", port)));
        return map("name", name, "match", List.of(map("uri", map("prefix", prefix))), "route", List.of(destination));
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
