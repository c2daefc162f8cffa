package dev.kiln.hypervisors.simulator;

import dev.kiln.NotFoundException;
import dev.kiln.ValidationException;
import dev.kiln.hypervisors.Drivers;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Kiln's own routes for scripting simulator faults, for tests and demos:
 * {@code POST /api/kiln/v1/simulator/hypervisors/{id}/faults} with
 * {@code {"operation": "createDisk", "times": 1}} ({@code times} absent = until cleared) and
 * {@code DELETE} on the same path to clear them. Hypervisors with the libvirt driver answer 404.
 */
public final class SimulatorRoutes implements Routes {

    private final HypervisorStore hypervisors;
    private final Drivers drivers;

    public SimulatorRoutes(HypervisorStore hypervisors, Drivers drivers) {
        this.hypervisors = hypervisors;
        this.drivers = drivers;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/kiln/v1/simulator/hypervisors/{id}/faults", this::addFault);
        routes.delete("/api/kiln/v1/simulator/hypervisors/{id}/faults", this::clearFaults);
    }

    private void addFault(Context ctx) {
        SimulatorDriver simulator = simulator(ctx);
        JsonBody body = Responses.body(ctx);
        String operation = body.requiredString("operation");
        Integer times = body.optionalInt("times", 1, 1_000_000);
        body.validate();
        if (!SimulatorDriver.OPERATIONS.contains(operation)) {
            throw new ValidationException("The operation field must be one of " + SimulatorDriver.OPERATIONS + ".");
        }
        if (times == null) {
            simulator.failAlways(operation);
        } else {
            simulator.failNext(operation, times);
        }
        Responses.data(ctx, Json.object().put("operation", operation).put("times", times == null ? -1 : times));
    }

    private void clearFaults(Context ctx) {
        simulator(ctx).clearFaults();
        Responses.noContent(ctx);
    }

    private SimulatorDriver simulator(Context ctx) {
        long id = Responses.id(ctx, "id", "hypervisor not found");
        Hypervisor hypervisor = hypervisors.find(id).orElseThrow(() -> new NotFoundException("hypervisor not found"));
        HypervisorDriver driver = drivers.forHypervisor(hypervisor);
        if (!(driver instanceof SimulatorDriver simulator)) {
            throw new NotFoundException("hypervisor " + id + " does not use the simulator driver");
        }
        return simulator;
    }
}
