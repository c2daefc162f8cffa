package dev.kiln.queue;

import dev.kiln.hypervisors.DiskSpec;
import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.hypervisors.TemplateImage;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A driver that passes every operation to another driver through {@link #call}, so a test can
 * observe or disturb operations. Operation names match the simulator's fault names.
 */
class ForwardingDriver implements HypervisorDriver {

    private final HypervisorDriver target;

    ForwardingDriver(HypervisorDriver target) {
        this.target = target;
    }

    HypervisorDriver target() {
        return target;
    }

    /**
     * Runs one operation on the target driver. {@code subject} is the server UUID, or the
     * template volume for {@code ensureTemplate}.
     */
    protected <T> T call(String operation, String subject, Supplier<T> action) {
        return action.get();
    }

    @Override
    public String ensureTemplate(TemplateImage template) {
        return call("ensureTemplate", template.volumeName(), () -> target.ensureTemplate(template));
    }

    @Override
    public String createDisk(DiskSpec disk) {
        return call("createDisk", disk.serverUuid(), () -> target.createDisk(disk));
    }

    @Override
    public String writeSeed(String serverUuid, Map<String, byte[]> files) {
        return call("writeSeed", serverUuid, () -> target.writeSeed(serverUuid, files));
    }

    @Override
    public String defineDomain(DomainSpec domain) {
        return call("defineDomain", domain.serverUuid(), () -> target.defineDomain(domain));
    }

    @Override
    public String start(String serverUuid) {
        return call("start", serverUuid, () -> target.start(serverUuid));
    }

    @Override
    public String shutdown(String serverUuid) {
        return call("shutdown", serverUuid, () -> target.shutdown(serverUuid));
    }

    @Override
    public String reboot(String serverUuid) {
        return call("reboot", serverUuid, () -> target.reboot(serverUuid));
    }

    @Override
    public String powerOff(String serverUuid) {
        return call("powerOff", serverUuid, () -> target.powerOff(serverUuid));
    }

    @Override
    public String setUserPassword(String serverUuid, String user, String password) {
        return call("setUserPassword", serverUuid, () -> target.setUserPassword(serverUuid, user, password));
    }

    @Override
    public String delete(String serverUuid) {
        return call("delete", serverUuid, () -> target.delete(serverUuid));
    }

    @Override
    public DomainStatus status(String serverUuid) {
        return call("status", serverUuid, () -> target.status(serverUuid));
    }

    @Override
    public RemoteState remoteState(String serverUuid) {
        return call("remoteState", serverUuid, () -> target.remoteState(serverUuid));
    }

    @Override
    public void close() {
        target.close();
    }
}
