package dev.peftbench.serve.http;

import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every REST route's path pattern and method, so that a known path asked with another method is
 * answered 405 with the methods it takes (RFC 9110 section 15.5.6) instead of 404.
 */
public final class RouteTable {

    private record Route(Method method, PathMatcher path) {
    }

    private final List<Route> routes = new CopyOnWriteArrayList<>();

    void add(Method method, String pattern) {
        routes.add(new Route(method, PathMatchers.create(pattern)));
    }

    /** The methods {@code path} takes, sorted; empty for an unknown path. */
    public Set<String> allowed(String path) {
        Set<String> methods = new TreeSet<>();
        for (Route r : routes) {
            if (r.path().match(io.helidon.common.uri.UriPath.create(path)).accepted()) {
                methods.add(r.method().text());
            }
        }
        return methods;
    }
}
