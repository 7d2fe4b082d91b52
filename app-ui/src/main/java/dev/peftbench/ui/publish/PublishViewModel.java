package dev.peftbench.ui.publish;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.publish.cluster.PublishEvent;
import dev.peftbench.publish.cluster.Publisher;
import dev.peftbench.publish.image.ImageSpec;
import dev.peftbench.publish.image.RuntimeImageBuilder;
import dev.peftbench.publish.plan.PublishPlan;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import dev.peftbench.ui.UserMessage;
import dev.peftbench.ui.Workbench;
import dev.peftbench.ui.WorkbenchSettings.PublishChoice;
import io.fabric8.kubernetes.client.KubernetesClient;
import javafx.application.Platform;
import javafx.beans.Observable;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.concurrent.Task;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The Publish page: the user's choices become a {@link PublishPlan} (whose validation messages show
 * inline), the YAML preview follows every field, and Publish / Delete run the {@link Publisher} off the
 * FX thread, streaming its progress events into the page until the InferenceService is Ready.
 */
public final class PublishViewModel {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(10);
    /** Leaves the runtime's variable out: the server's own default runs. */
    public static final String SERVER_DEFAULT = "server default";
    public static final List<String> DTYPES = withDefault(Arrays.stream(ComputeType.values()).map(ComputeType::label));
    public static final List<String> BACKENDS = withDefault(Arrays.stream(Backend.values()).map(PublishViewModel::lower));
    public static final List<String> DEVICES = withDefault(Arrays.stream(Device.values()).map(PublishViewModel::lower));

    private final Workbench workbench;
    private final Cluster cluster;
    private final ObservableList<String> contexts = FXCollections.observableArrayList();
    private final StringProperty context = new SimpleStringProperty();
    private final StringProperty namespace = new SimpleStringProperty();
    private final StringProperty image = new SimpleStringProperty();
    private final StringProperty runtimeName = new SimpleStringProperty();
    private final StringProperty serviceName = new SimpleStringProperty();
    private final StringProperty baseModel = new SimpleStringProperty();
    private final StringProperty adapter = new SimpleStringProperty();
    private final StringProperty dtype = new SimpleStringProperty(SERVER_DEFAULT);
    private final StringProperty backend = new SimpleStringProperty(SERVER_DEFAULT);
    private final StringProperty device = new SimpleStringProperty(SERVER_DEFAULT);
    private final StringProperty storageKey = new SimpleStringProperty();
    private final StringProperty storagePath = new SimpleStringProperty();
    /** {@code SECRET[:KEY]} whose value the runtime wants as its API key; empty = none. */
    private final StringProperty apiKeySecret = new SimpleStringProperty("");
    private final BooleanProperty gateway = new SimpleBooleanProperty();
    /** The host names the gateway accepts, separated by commas or spaces; '*' = every host. */
    private final StringProperty gatewayHosts = new SimpleStringProperty("");
    private final BooleanProperty nativeRuntime = new SimpleBooleanProperty();
    private final BooleanProperty createNamespace = new SimpleBooleanProperty();
    private final BooleanProperty buildImage = new SimpleBooleanProperty();
    private final StringProperty yaml = new SimpleStringProperty("");
    private final StringProperty planError = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final StringProperty status = new SimpleStringProperty("Not published");
    private final BooleanProperty busy = new SimpleBooleanProperty(false);
    private final ObservableList<PublishEvent> events = FXCollections.observableArrayList();

    public PublishViewModel(Workbench workbench, Cluster cluster) {
        this.workbench = workbench;
        this.cluster = cluster;
        PublishChoice saved = workbench.initialSettings().publish();
        context.set(saved.context());
        namespace.set(saved.namespace());
        image.set(saved.image());
        runtimeName.set(saved.runtimeName());
        serviceName.set(saved.serviceName());
        baseModel.set(saved.baseModel());
        adapter.set(saved.adapter());
        dtype.set(known(saved.dtype(), DTYPES));
        backend.set(known(saved.backend(), BACKENDS));
        device.set(known(saved.device(), DEVICES));
        storageKey.set(saved.storageKey());
        storagePath.set(saved.storagePath());
        gateway.set(saved.gateway());
        nativeRuntime.set(saved.nativeRuntime());
        createNamespace.set(saved.createNamespace());
        contexts.setAll(cluster.contexts());
        for (Observable field : new Observable[] {context, namespace, image, runtimeName, serviceName, baseModel, adapter,
                dtype, backend, device, storageKey, storagePath, gateway, gatewayHosts, nativeRuntime, apiKeySecret}) {
            field.addListener(o -> updatePreview());
        }
        updatePreview();
    }

    /** The plan from the fields: the reference deployment's values for everything the page does not show. */
    public PublishPlan plan() {
        PublishPlan.Compute compute = new PublishPlan.Compute(chosen(dtype, Setting.DTYPE),
                chosen(backend, Setting.BACKEND), chosen(device, Setting.DEVICE));
        return new PublishPlan(context.get(), namespace.get(), runtimeName.get(), serviceName.get(), image.get(),
                PublishPlan.ModelFormat.PEFT, baseModel.get(), adapter.get(), null, compute, PublishPlan.ServerSettings.REFERENCE,
                PublishPlan.Resources.DEFAULT, PublishPlan.AdapterSettings.DEFAULT,
                new PublishPlan.Storage(storageKey.get(), storagePath.get()),
                gateway.get() ? new PublishPlan.Ingress(List.of(gatewayHosts.get().split("[,\\s]+"))) : null, nativeRuntime.get(),
                PublishPlan.SecretKeyRef.parse(apiKeySecret.get(), PublishPlan.SecretKeyRef.API_KEY, "API key"), PublishPlan.HubAccess.DEFAULT);
    }

    /** The choice parsed as the server parses it, or null for the server's default. */
    private static <T> T chosen(StringProperty choice, Setting<T> setting) {
        return SERVER_DEFAULT.equals(choice.get()) ? null : ModelFields.parse(choice.get(), setting, null);
    }

    private static List<String> withDefault(Stream<String> values) {
        return Stream.concat(Stream.of(SERVER_DEFAULT), values).toList();
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** A saved choice that is still offered, else the server's default (older settings files have none). */
    private static String known(String saved, List<String> offered) {
        return saved != null && offered.contains(saved) ? saved : SERVER_DEFAULT;
    }

    private void updatePreview() {
        try {
            yaml.set(Publisher.preview(plan()));
            planError.set("");
        } catch (IllegalArgumentException e) {
            planError.set(e.getMessage());
        }
    }

    /** Checks the cluster, applies the resources and waits until the InferenceService is Ready. */
    public void publish() {
        PublishPlan plan = validPlan();
        if (plan == null) {
            return;
        }
        boolean create = createNamespace.get();
        boolean build = buildImage.get();
        run("Publishing " + plan.serviceName() + " to " + plan.namespace(), "Publish", events -> {
            // The same image builder as `peftbench publish --build-image`: push, then run exactly that digest.
            PublishPlan target = build ? plan.withImage(RuntimeImageBuilder.pinned(plan.image(), buildImage(plan, events))) : plan;
            try (KubernetesClient client = cluster.open(target.context())) {
                Publisher publisher = new Publisher(client);
                publisher.apply(target, create, events);
                return "Ready: " + publisher.awaitReady(target, READY_TIMEOUT, events);
            }
        });
    }

    private static String buildImage(PublishPlan plan, Consumer<PublishEvent> events) {
        try {
            Path home = Path.of(System.getProperty("peftbench.home", "."));
            ImageSpec spec = new ImageSpec(plan.image(), null, null, null, RuntimeImageBuilder.serverClasspath(home), null, null, null);
            return RuntimeImageBuilder.build(spec, e -> events.accept(PublishEvent.of(PublishEvent.Stage.BUILD, e.message())));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the server's classpath: " + e.getMessage(), e);
        }
    }

    /** Deletes what Publish created. */
    public void delete() {
        PublishPlan plan = validPlan();
        if (plan == null) {
            return;
        }
        run("Deleting " + plan.serviceName() + " from " + plan.namespace(), "Delete", events -> {
            try (KubernetesClient client = cluster.open(plan.context())) {
                new Publisher(client).delete(plan, events);
                return "Deleted " + plan.serviceName() + " from " + plan.namespace();
            }
        });
    }

    private PublishPlan validPlan() {
        if (busy.get()) {
            return null;
        }
        error.set("");
        try {
            return plan();
        } catch (IllegalArgumentException e) {
            error.set("Check the fields: " + e.getMessage());
            return null;
        }
    }

    /** A cluster action with its events; returns the final status line. */
    private interface ClusterAction {
        String run(Consumer<PublishEvent> events);
    }

    private void run(String message, String action, ClusterAction body) {
        events.clear();
        Task<String> task = new Task<>() {
            @Override
            protected String call() {
                updateMessage(message + "…");
                updateProgress(-1, 1);
                return body.run(event -> {
                    updateMessage(event.toString());
                    Platform.runLater(() -> events.add(event));
                });
            }
        };
        task.setOnSucceeded(e -> {
            busy.set(false);
            status.set(task.getValue());
            workbench.activity().finish(task, task.getValue());
        });
        task.setOnFailed(e -> {
            busy.set(false);
            status.set(action + " failed");
            error.set(UserMessage.of(action + " failed", task.getException()));
            workbench.activity().finish(task, action + " failed");
        });
        task.setOnCancelled(e -> {
            busy.set(false);
            status.set(action + " cancelled (what was already applied stays; Delete removes it)");
            workbench.activity().finish(task, action + " cancelled");
        });
        busy.set(true);
        status.set(message + "…");
        // Interrupting is safe here: the publisher's wait is a sleep, and a cut-off call becomes a PublishException.
        workbench.activity().track(task, () -> task.cancel(true));
        workbench.run(task);
    }

    public PublishChoice choice() {
        return new PublishChoice(context.get(), namespace.get(), image.get(), runtimeName.get(), serviceName.get(),
                baseModel.get(), adapter.get(), dtype.get(), backend.get(), device.get(), storageKey.get(), storagePath.get(),
                gateway.get(), nativeRuntime.get(), createNamespace.get());
    }

    public ObservableList<String> contexts() { return contexts; }
    public StringProperty contextProperty() { return context; }
    public StringProperty namespaceProperty() { return namespace; }
    public StringProperty imageProperty() { return image; }
    public StringProperty runtimeNameProperty() { return runtimeName; }
    public StringProperty serviceNameProperty() { return serviceName; }
    public StringProperty baseModelProperty() { return baseModel; }
    public StringProperty adapterProperty() { return adapter; }
    public StringProperty dtypeProperty() { return dtype; }
    public StringProperty backendProperty() { return backend; }
    public StringProperty deviceProperty() { return device; }
    public StringProperty storageKeyProperty() { return storageKey; }
    public StringProperty storagePathProperty() { return storagePath; }

    public StringProperty apiKeySecretProperty() { return apiKeySecret; }
    public BooleanProperty gatewayProperty() { return gateway; }
    public StringProperty gatewayHostsProperty() { return gatewayHosts; }
    public BooleanProperty nativeRuntimeProperty() { return nativeRuntime; }
    public BooleanProperty createNamespaceProperty() { return createNamespace; }
    public BooleanProperty buildImageProperty() { return buildImage; }
    public ReadOnlyStringProperty yamlProperty() { return yaml; }
    public ReadOnlyStringProperty planErrorProperty() { return planError; }
    public ReadOnlyStringProperty errorProperty() { return error; }
    public ReadOnlyStringProperty statusProperty() { return status; }
    public ReadOnlyBooleanProperty busyProperty() { return busy; }
    public ObservableList<PublishEvent> events() { return events; }
}
