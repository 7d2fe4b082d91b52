package dev.peftbench.publish.image;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The host of an image's registry, resolved before Jib is given it: without a name server answering for
 * it, Jib's connection attempts and retries take about a minute to fail; this fails in at most
 * {@link #TIMEOUT} with what to do instead.
 */
final class RegistryHost {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private RegistryHost() {
    }

    /**
     * @param reference an image reference (Docker Hub's short names included)
     * @param role      what the image is, for the message: "the base image", "the target"
     * @throws IllegalStateException when the registry's host name does not resolve in time
     */
    static void requireResolvable(String reference, String role) throws InvalidImageReferenceException {
        String registry = ImageReference.parse(reference).getRegistry();
        String host = registry.startsWith("[") ? registry.substring(1, registry.indexOf(']'))
                : registry.contains(":") ? registry.substring(0, registry.indexOf(':')) : registry;
        String offline = role.equals("the base image")
                ? "; to build offline, pass a local base: --base FILE.tar (docker save) or an OCI layout folder"
                : "; to build without a registry, write a tarball with --tar FILE";
        // the resolver cannot be interrupted: a lookup still running after the timeout is left to end by itself
        CompletableFuture<InetAddress[]> addresses = new CompletableFuture<>();
        Thread.ofVirtual().name("resolve-" + host).start(() -> {
            try {
                addresses.complete(InetAddress.getAllByName(host));
            } catch (UnknownHostException | RuntimeException e) {
                addresses.completeExceptionally(e);
            }
        });
        try {
            addresses.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot reach " + host + ", the registry of " + role + " " + reference
                    + ": its name did not resolve within " + TIMEOUT.toSeconds() + " s (no network or DNS?)" + offline);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException) {
                throw new IllegalStateException("cannot resolve " + host + ", the registry of " + role + " " + reference
                        + " (no network or DNS for it?)" + offline);
            }
            throw new IllegalStateException("cannot resolve " + host + ": " + e.getCause().getMessage() + offline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resolving " + host);
        }
    }
}
