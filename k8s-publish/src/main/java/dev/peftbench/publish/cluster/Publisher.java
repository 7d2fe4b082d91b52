package dev.peftbench.publish.cluster;

import dev.peftbench.publish.manifest.Manifests;
import dev.peftbench.publish.manifest.ResourceKinds;
import dev.peftbench.publish.plan.PublishPlan;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Does with the fabric8 client what the reference document does with {@code kubectl apply}: checks the
 * cluster first, applies the plan's objects (create, or update in place: idempotent), waits until the
 * InferenceService reports Ready=True while reporting its conditions, explains a failure with the
 * reference document's troubleshooting causes, and deletes what it created.
 */
public final class Publisher {

    private final KubernetesClient client;
    private final Duration pollInterval;

    public Publisher(KubernetesClient client) {
        this(client, Duration.ofSeconds(2));
    }

    public Publisher(KubernetesClient client, Duration pollInterval) {
        this.client = client;
        this.pollInterval = pollInterval;
    }

    /** What {@code kubectl apply -f} would take; needs no cluster. */
    public static String preview(PublishPlan plan) {
        return Manifests.yaml(plan);
    }

    /**
     * The checks before anything is written: API server reachable, KServe installed, namespace present
     * (created when {@code createNamespace}), permissions.
     */
    public void check(PublishPlan plan, boolean createNamespace, Consumer<PublishEvent> events) {
        guarded("read CustomResourceDefinitions", () -> {
            if (client.apiextensions().v1().customResourceDefinitions().withName(ResourceKinds.SERVING_RUNTIME_CRD).get() == null) {
                throw new PublishException("KServe / ModelMesh is not installed in this cluster (no CustomResourceDefinition "
                        + ResourceKinds.SERVING_RUNTIME_CRD + "); install ModelMesh Serving first");
            }
            return null;
        });
        events.accept(PublishEvent.of(PublishEvent.Stage.CHECK, "KServe CRDs found at " + client.getMasterUrl()));
        boolean exists = guarded("read namespace " + plan.namespace(),
                () -> client.namespaces().withName(plan.namespace()).get() != null);
        if (!exists) {
            if (!createNamespace) {
                throw new PublishException("namespace " + plan.namespace() + " does not exist: create it (kubectl create namespace "
                        + plan.namespace() + ") or publish with --create-namespace");
            }
            guarded("create namespace " + plan.namespace(), () -> client.namespaces()
                    .resource(new NamespaceBuilder().withNewMetadata().withName(plan.namespace()).endMetadata().build()).create());
            events.accept(PublishEvent.of(PublishEvent.Stage.CHECK, "created namespace " + plan.namespace()));
        }
    }

    /** Checks, then creates or updates every object of the plan. */
    public void apply(PublishPlan plan, boolean createNamespace, Consumer<PublishEvent> events) {
        check(plan, createNamespace, events);
        for (GenericKubernetesResource r : Manifests.of(plan)) {
            String what = r.getKind() + " " + plan.namespace() + "/" + r.getMetadata().getName();
            Resource<GenericKubernetesResource> handle = guarded("read " + what, () -> objects(r.getKind(), plan).resource(r));
            GenericKubernetesResource existing = guarded("read " + what, handle::get);
            if (existing == null) {
                guarded("create " + what, handle::create);
                events.accept(PublishEvent.of(PublishEvent.Stage.APPLY, "created " + what));
            } else {
                r.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                guarded("update " + what, () -> objects(r.getKind(), plan).resource(r).update());
                events.accept(PublishEvent.of(PublishEvent.Stage.APPLY, "updated " + what));
            }
        }
    }

    /**
     * Polls the InferenceService until {@code Ready=True}, reporting each change of its conditions;
     * returns the endpoint. On timeout, throws with the likely cause.
     */
    public String awaitReady(PublishPlan plan, Duration timeout, Consumer<PublishEvent> events) {
        Instant deadline = Instant.now().plus(timeout);
        String last = null;
        while (true) {
            GenericKubernetesResource isvc = guarded("read InferenceService " + plan.serviceName(),
                    () -> objects("InferenceService", plan).withName(plan.serviceName()).get());
            if (isvc == null) {
                throw new PublishException("InferenceService " + plan.namespace() + "/" + plan.serviceName()
                        + " does not exist (deleted meanwhile?); publish again");
            }
            List<Map<String, Object>> conditions = conditions(isvc);
            String summary = summary(conditions);
            if (!summary.equals(last)) {
                events.accept(PublishEvent.of(PublishEvent.Stage.WAIT, summary));
                last = summary;
            }
            if (isReady(conditions)) {
                String endpoint = endpoint(plan);
                events.accept(PublishEvent.of(PublishEvent.Stage.READY, "ready: POST " + endpoint));
                return endpoint;
            }
            if (Instant.now().isAfter(deadline)) {
                String reason = diagnose(plan, conditions);
                events.accept(PublishEvent.of(PublishEvent.Stage.FAILED, reason));
                throw new PublishException(reason);
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PublishException("stopped waiting for " + plan.serviceName());
            }
        }
    }

    /** Removes what {@link #apply} created, newest first; objects already gone are reported, not errors. */
    public void delete(PublishPlan plan, Consumer<PublishEvent> events) {
        List<GenericKubernetesResource> all = new ArrayList<>(Manifests.of(plan));
        java.util.Collections.reverse(all);
        for (GenericKubernetesResource r : all) {
            String what = r.getKind() + " " + plan.namespace() + "/" + r.getMetadata().getName();
            boolean deleted = guarded("delete " + what,
                    () -> !objects(r.getKind(), plan).withName(r.getMetadata().getName()).delete().isEmpty());
            events.accept(PublishEvent.of(PublishEvent.Stage.DELETE, (deleted ? "deleted " : "not present: ") + what));
        }
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> objects(
            String kind, PublishPlan plan) {
        return client.genericKubernetesResources(ResourceKinds.of(kind)).inNamespace(plan.namespace());
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> conditions(GenericKubernetesResource r) {
        Object status = r.getAdditionalProperties().get("status");
        if (status instanceof Map<?, ?> s && s.get("conditions") instanceof List<?> list) {
            return (List<Map<String, Object>>) list;
        }
        return List.of();
    }

    private static boolean isReady(List<Map<String, Object>> conditions) {
        return conditions.stream().anyMatch(c -> "Ready".equals(c.get("type")) && "True".equals(c.get("status")));
    }

    private static String summary(List<Map<String, Object>> conditions) {
        if (conditions.isEmpty()) {
            return "waiting for ModelMesh to report the InferenceService's status";
        }
        List<String> parts = new ArrayList<>();
        for (Map<String, Object> c : conditions) {
            String part = c.get("type") + "=" + c.get("status");
            if (c.get("reason") != null) {
                part += " (" + c.get("reason") + (c.get("message") != null ? ": " + c.get("message") : "") + ")";
            }
            parts.add(part);
        }
        return String.join(", ", parts);
    }

    /** The reference document's troubleshooting causes, where the cluster shows them. */
    private String diagnose(PublishPlan plan, List<Map<String, Object>> conditions) {
        String prefix = "InferenceService " + plan.namespace() + "/" + plan.serviceName() + " is not Ready in time";
        List<Pod> pods = guarded("list pods in " + plan.namespace(), () -> client.pods().inNamespace(plan.namespace()).list().getItems());
        for (Pod pod : pods) {
            if (!pod.getMetadata().getName().contains(plan.runtimeName()) || pod.getStatus() == null
                    || !"Pending".equals(pod.getStatus().getPhase())) {
                continue;
            }
            for (PodCondition c : Objects.requireNonNullElse(pod.getStatus().getConditions(), List.<PodCondition>of())) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                    return prefix + ": runtime pod " + pod.getMetadata().getName() + " is Pending (" + c.getMessage()
                            + "). The nodes lack the CPU/memory it requests (" + plan.resources().cpuRequest() + ", "
                            + plan.resources().memoryRequest() + "): lower the requests or add capacity";
                }
            }
        }
        String text = summary(conditions).toLowerCase(java.util.Locale.ROOT);
        if (text.contains("timeout") || text.contains("timed out") || text.contains("loading")) {
            return prefix + ": the model did not load within modelLoadingTimeoutMillis ("
                    + plan.adapterSettings().modelLoadingTimeoutMillis() + " ms). Loading a base model the pod must first "
                    + "download is slow or impossible offline: raise the timeout, or bake the model into the image. Status: "
                    + summary(conditions);
        }
        return prefix + ". Status: " + summary(conditions) + ". If the runtime pods run, check their logs "
                + "(kubectl logs -n " + plan.namespace() + " -l name=" + Manifests.MODELMESH_SERVICE + "-" + plan.runtimeName()
                + " -c mlserver)";
    }

    /** Where to send requests: the Istio ingress gateway when published with one, else the in-cluster Service. */
    private String endpoint(PublishPlan plan) {
        String path = "/v2/models/" + plan.serviceName() + "/infer";
        if (plan.gateway()) {
            // the gateway answers only for its hosts: a client names one in its Host header
            String host = plan.ingress().hosts().contains("*") ? "" : " with Host: " + plan.ingress().hosts().getFirst();
            Service ingress = guarded("read the Istio ingress gateway",
                    () -> client.services().inNamespace("istio-system").withName("istio-ingressgateway").get());
            if (ingress != null && ingress.getStatus() != null && ingress.getStatus().getLoadBalancer() != null
                    && ingress.getStatus().getLoadBalancer().getIngress() != null
                    && !ingress.getStatus().getLoadBalancer().getIngress().isEmpty()) {
                LoadBalancerIngress lb = ingress.getStatus().getLoadBalancer().getIngress().getFirst();
                String address = lb.getIp() != null ? lb.getIp() : lb.getHostname();
                return "http://" + address + ":" + Manifests.MODELMESH_REST_PORT + path + host;
            }
            return "http://<ingress gateway address>:" + Manifests.MODELMESH_REST_PORT + path + host
                    + " (no external address on istio-system/istio-ingressgateway yet: check the gateway's IP and port "
                    + Manifests.MODELMESH_REST_PORT + ")";
        }
        return "http://" + Manifests.MODELMESH_SERVICE + "." + plan.namespace() + ":" + Manifests.MODELMESH_REST_PORT + path
                + " (in the cluster; locally: kubectl port-forward -n " + plan.namespace() + " svc/" + Manifests.MODELMESH_SERVICE
                + " " + Manifests.MODELMESH_REST_PORT + ")";
    }

    /** Runs a cluster call and turns client failures into messages about the cluster, not stack traces. */
    private <T> T guarded(String action, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                throw new PublishException("forbidden to " + action + " (RBAC): the account in your kubeconfig lacks that "
                        + "permission; ask an admin for a Role binding. Server said: " + e.getStatus().getMessage(), e);
            }
            if (e.getCode() == 401) {
                throw new PublishException("the API server at " + client.getMasterUrl() + " rejected the credentials ("
                        + action + "); refresh your kubeconfig login", e);
            }
            if (e.getCode() == 0 || e.getCause() instanceof java.io.IOException) {
                throw new PublishException("cannot reach the API server at " + client.getMasterUrl() + " (" + action + "): "
                        + rootMessage(e) + ". Check the kube context and your network", e);
            }
            throw new PublishException("could not " + action + ": " + (e.getStatus() != null ? e.getStatus().getMessage()
                    : e.getMessage()), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
