package dev.kiln.catalog;

import dev.kiln.NotFoundException;
import dev.kiln.http.Json;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/** {@code /packages} and {@code /media/templates/fromServerPackageSpec/{packageId}}. */
public final class CatalogRoutes implements Routes {

    private final CatalogStore store;

    public CatalogRoutes(CatalogStore store) {
        this.store = store;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/packages", this::listPackages);
        routes.get("/api/v1/packages/{id}", this::getPackage);
        routes.get("/api/v1/media/templates/fromServerPackageSpec/{id}", this::templatesForPackage);
    }

    private void listPackages(Context ctx) {
        var rows = Json.array();
        store.packages().forEach(p -> rows.add(CatalogViews.packageView(p)));
        Responses.data(ctx, rows);
    }

    private void getPackage(Context ctx) {
        long id = Responses.id(ctx, "id", "package not found");
        ServerPackage found = store.findPackage(id).orElseThrow(() -> new NotFoundException("package not found"));
        Responses.data(ctx, CatalogViews.packageView(found));
    }

    private void templatesForPackage(Context ctx) {
        long id = Responses.id(ctx, "id", "package not found");
        store.findPackage(id).orElseThrow(() -> new NotFoundException("package not found"));
        Responses.data(ctx, CatalogViews.templateGroups(store.offeredTo(id)));
    }
}
