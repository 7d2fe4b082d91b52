package dev.peftbench.publish.manifest;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * The custom resource types publish creates, named explicitly so the client needs no API discovery
 * (which a cluster without KServe, or a mock server, cannot answer).
 */
public final class ResourceKinds {

    public static final ResourceDefinitionContext SERVING_RUNTIME = kind("serving.kserve.io", "v1alpha1", "ServingRuntime", "servingruntimes");
    public static final ResourceDefinitionContext INFERENCE_SERVICE = kind("serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices");
    public static final ResourceDefinitionContext GATEWAY = kind("networking.istio.io", "v1beta1", "Gateway", "gateways");
    public static final ResourceDefinitionContext VIRTUAL_SERVICE = kind("networking.istio.io", "v1beta1", "VirtualService", "virtualservices");
    /** Core v1 (the empty group): the Service in front of the runtime pods' HTTP port. */
    public static final ResourceDefinitionContext SERVICE = kind("", "v1", "Service", "services");

    /** The CRD whose absence means KServe / ModelMesh is not installed. */
    public static final String SERVING_RUNTIME_CRD = "servingruntimes.serving.kserve.io";

    private ResourceKinds() {
    }

    private static ResourceDefinitionContext kind(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder()
                .withGroup(group).withVersion(version).withKind(kind).withPlural(plural).withNamespaced(true).build();
    }

    public static ResourceDefinitionContext of(String kind) {
        return switch (kind) {
            case "ServingRuntime" -> SERVING_RUNTIME;
            case "InferenceService" -> INFERENCE_SERVICE;
            case "Gateway" -> GATEWAY;
            case "VirtualService" -> VIRTUAL_SERVICE;
            case "Service" -> SERVICE;
            default -> throw new IllegalArgumentException("not a kind publish creates: " + kind);
        };
    }
}
