package dev.kiln.http;

import io.javalin.config.RoutesConfig;

/** A domain's HTTP routes, registered on the one Javalin instance at start. */
@FunctionalInterface
public interface Routes {

    void register(RoutesConfig routes);
}
