package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.simulator.SimulatorDriver;
import dev.kiln.queue.Actions;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.RowCounts;
import dev.kiln.testing.TestKiln;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server routes a billing module calls after creating a server: the server list, scheduled
 * deletion, suspension, resource and owner changes, addresses and settings, and the IP block
 * and hypervisor group views that show what servers use. For each route: the exact success
 * status and its stored effect, 404 for an unknown server, 422 for bad input and 423 while a
 * queued build locks the server. Rejected requests must write nothing.
 *
 * <p>One node serves the whole class; its queue has no workers, so tests step it by hand, and
 * its clock can be moved forward to make a scheduled deletion due. Every test leaves the queue
 * empty, so that no test runs another test's items.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LifecycleCases {

    private static final String V1 = "/api/v1";
    private static final String BUILD = "{\"operatingSystemId\":1}";
    private static final long UNKNOWN_ID = 999_999;
    private static final String IPV4_PATTERN = "\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}";
    private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** Memory of package 1 ("Small"), in MB. */
    private static final int SMALL_MEMORY = 1024;

    private final AtomicLong nextExtRelationId = new AtomicLong(1);
    private final ShiftedClock clock = new ShiftedClock();

    private TestKiln kiln;
    private Api api;
    private Fixtures fixtures;
    private long ownerId;
    /** Built and never changed: the target of requests that must be rejected. */
    private long idleServer;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(database()).setting("workers", "0").inventory("/lifecycle-inventory.yaml").clock(clock).start();
        api = kiln.api();
        fixtures = new Fixtures(api);
        ownerId = newUser();
        idleServer = builtServer(BUILD);
    }

    @AfterAll
    void stopNode() {
        if (kiln != null) {
            kiln.close();
        }
    }

    // GET /servers and GET /servers/user/{userId}

    @Test
    void listPaginates() {
        for (int i = 0; i < 3; i++) {
            newServer();
        }
        long total = RowCounts.count(kiln, "server");

        Api.Response first = api.get(V1 + "/servers?results=2&page=1");
        Api.Response second = api.get(V1 + "/servers?results=2&page=2");

        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.json().path("total").asLong()).isEqualTo(total);
        assertThat(first.json().path("per_page").asInt()).isEqualTo(2);
        assertThat(first.json().path("current_page").asInt()).isEqualTo(1);
        assertThat(first.json().path("last_page").asLong()).isEqualTo((total + 1) / 2);
        assertThat(first.data()).hasSize(2);
        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        assertThat(second.json().path("current_page").asInt()).isEqualTo(2);
        assertThat(ids(second.data())).doesNotContainAnyElementsOf(ids(first.data()));
    }

    @Test
    void listRowsSimpleByDefault() {
        long server = newServer();

        JsonNode row = listRow(api.get(V1 + "/servers?results=200"), server);

        assertThat(row.path("commissioned").isInt()).as(row.toString()).isTrue();
        assertThat(row.path("commissioned").asInt()).isZero();
        assertThat(row.path("owner").isIntegralNumber()).as(row.toString()).isTrue();
        assertThat(row.path("owner").asLong()).isEqualTo(ownerId);
        assertThat(row.path("suspended").isBoolean()).isTrue();
        assertThat(row.has("commissionStatus")).isFalse();
    }

    @Test
    void listRowsFullOnRequest() {
        long server = newServer();

        JsonNode row = listRow(api.get(V1 + "/servers?results=200&type=full"), server);

        assertThat(row.path("commissionStatus").isInt()).as(row.toString()).isTrue();
        assertThat(row.path("ownerId").asLong()).isEqualTo(ownerId);
        assertThat(row.path("owner").path("id").asLong()).isEqualTo(ownerId);
        assertThat(row.path("network").path("interfaces").path(0).path("ipv4").path(0).path("address").asText())
                .matches(IPV4_PATTERN);
    }

    @Test
    void listFiltersByHypervisor() {
        newServer();
        newServer();
        long all = RowCounts.count(kiln, "server");
        long onFirst = RowCounts.count(kiln, "server WHERE hypervisor_id = 1");
        assertThat(onFirst).as("servers on hypervisor 1 (placement alternates)").isBetween(1L, all - 1);

        Api.Response single = api.get(V1 + "/servers?results=200&hypervisorId=1");
        Api.Response both = api.get(V1 + "/servers?results=200&hypervisorId%5B%5D=1&hypervisorId%5B%5D=2");
        Api.Response malformed = api.get(V1 + "/servers?results=200&hypervisorId=abc");

        assertThat(single.status()).as(single.toString()).isEqualTo(200);
        assertThat(single.json().path("total").asLong()).isEqualTo(onFirst);
        assertThat(single.data().valueStream().map(r -> r.path("hypervisorId").asLong())).containsOnly(1L);
        assertThat(both.json().path("total").asLong()).isEqualTo(all);
        assertThat(malformed.status()).as(malformed.toString()).isEqualTo(200);
        assertThat(malformed.json().path("total").asLong()).as("a malformed filter is ignored").isEqualTo(all);
    }

    @Test
    void listOfUserShowsOwnServers() {
        long user = newUser();
        long small = fixtures.server(user, 1);
        long large = fixtures.server(user, 2);
        long otherUser = newUser();

        Api.Response own = api.get(V1 + "/servers/user/" + user);
        Api.Response none = api.get(V1 + "/servers/user/" + otherUser);

        assertThat(own.status()).as(own.toString()).isEqualTo(200);
        assertThat(ids(own.data())).containsExactly(small, large);
        assertThat(own.data().valueStream().map(r -> r.path("ownerId").asLong())).containsOnly(user);
        assertThat(own.data().path(1).path("resources").path("memory").asInt()).isEqualTo(4096);
        assertThat(own.data().path(0).path("network").path("interfaces").path(0).path("ipv4").path(0).path("address").asText())
                .matches(IPV4_PATTERN);
        assertThat(none.status()).as(none.toString()).isEqualTo(200);
        assertThat(none.data().isArray()).isTrue();
        assertThat(none.data()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999", "0", "abc"})
    void listOfUnknownUserNotFound(String userId) {
        assertMessage(api.get(V1 + "/servers/user/" + userId), 404, "user not found");
    }

    // DELETE /servers/{id}

    @Test
    void deleteNowRemovesServerAndReleasesResources() {
        long server = builtServer("{\"operatingSystemId\":1,\"ipv6\":true}");
        JsonNode before = server(server);
        String uuid = before.path("uuid").asText();
        long hypervisor = before.path("hypervisorId").asLong();
        String address = firstAddress(before);
        long usedBefore = ipBlock(1).path("ipv4").path("usedTotal").asLong();
        long memoryBefore = allocatedMemory(hypervisor);
        assertThat(RowCounts.count(kiln, "ipv6_subnet WHERE server_id = " + server)).as("IPv6 subnet from the build").isEqualTo(1);

        Api.Response response = api.delete(V1 + "/servers/" + server + "?delay=0");

        assertNoContent(response);
        assertThat(api.get(V1 + "/servers/" + server).status()).as("visible until the deletion runs").isEqualTo(200);

        runQueue();

        assertMessage(api.get(V1 + "/servers/" + server), 404, "server not found");
        for (String table : List.of("server WHERE id", "server_disk WHERE server_id", "queue_item WHERE server_id",
                "ipv6_subnet WHERE server_id", "server_ssh_key WHERE server_id")) {
            assertThat(RowCounts.count(kiln, table + " = " + server)).as(table).isZero();
        }
        assertThat(RowCounts.count(kiln, "ipv4_address WHERE address = '" + address + "' AND server_id IS NULL")).isEqualTo(1);
        assertThat(ipBlock(1).path("ipv4").path("usedTotal").asLong()).isEqualTo(usedBefore - 1);
        assertThat(allocatedMemory(hypervisor)).isEqualTo(memoryBefore - SMALL_MEMORY);
        assertThat(kiln.simulator(hypervisor).domainNames()).doesNotContain(uuid);
        assertThat(kiln.simulator(hypervisor).volumes()).noneMatch(v -> v.startsWith(uuid));
        assertThat(ids(api.get(V1 + "/servers/user/" + ownerId).data())).doesNotContain(server);
    }

    @Test
    void deleteDefaultDelayKeepsServerUntilDue() {
        long server = builtServer(BUILD);
        String address = firstAddress(server(server));
        Instant requested = clock.instant();

        Api.Response response = api.delete(V1 + "/servers/" + server);

        assertNoContent(response);
        Instant notBefore = deletionNotBefore(server);
        assertThat(notBefore).isBetween(requested.plus(Duration.ofMinutes(5)).minusSeconds(1),
                clock.instant().plus(Duration.ofMinutes(5)));
        assertThat(kiln.server().workers().runOnce("test")).as("no worker claims the deletion before it is due").isFalse();
        JsonNode during = server(server);
        assertThat(during.path("id").asLong()).isEqualTo(server);
        assertThat(during.path("tasks").path("active").asBoolean()).isTrue();
        assertThat(RowCounts.count(kiln, "queue_item WHERE server_id = " + server + " AND status = 'queued'")).isEqualTo(1);

        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        runQueue();

        assertMessage(api.get(V1 + "/servers/" + server), 404, "server not found");
        assertThat(RowCounts.count(kiln, "ipv4_address WHERE address = '" + address + "' AND server_id IS NULL")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 60, 43_800})
    void deleteDelaySchedulesMinutesAhead(int minutes) {
        long server = newServer();
        Instant requested = clock.instant();

        Api.Response response = api.delete(V1 + "/servers/" + server + "?delay=" + minutes);

        assertNoContent(response);
        assertThat(deletionNotBefore(server)).isBetween(requested.plus(Duration.ofMinutes(minutes)).minusSeconds(1),
                clock.instant().plus(Duration.ofMinutes(minutes)));
        assertThat(kiln.server().workers().runOnce("test")).isFalse();
        deleteNow(server);
    }

    @Test
    void deleteDelayReadFromBody() {
        long server = newServer();

        Api.Response response = api.send("DELETE", V1 + "/servers/" + server, "{\"delay\":\"0\"}",
                Map.of("Content-Type", "application/json"));
        runQueue();

        assertNoContent(response);
        assertMessage(api.get(V1 + "/servers/" + server), 404, "server not found");
    }

    @Test
    void deleteAgainMovesSchedule() {
        long server = newServer();
        assertNoContent(api.delete(V1 + "/servers/" + server));

        Api.Response again = api.delete(V1 + "/servers/" + server + "?delay=0");

        assertNoContent(again);
        assertThat(RowCounts.count(kiln, "queue_item WHERE server_id = " + server)).as("one deletion item").isEqualTo(1);
        runQueue();
        assertMessage(api.get(V1 + "/servers/" + server), 404, "server not found");
    }

    @Test
    void scheduledDeletionHoldsServer() {
        long server = builtServer(BUILD);
        assertNoContent(api.delete(V1 + "/servers/" + server));

        Api.Response suspend = api.post(V1 + "/servers/" + server + "/suspend", "");
        Api.Response rename = api.put(V1 + "/servers/" + server + "/modify/name", json("{'name':'late'}"));
        Api.Response boot = api.post(V1 + "/servers/" + server + "/power/boot", "");
        Api.Response build = api.post(V1 + "/servers/" + server + "/build", BUILD);

        assertThat(suspend.status()).as(suspend.toString()).isEqualTo(423);
        assertThat(rename.status()).as(rename.toString()).isEqualTo(423);
        assertThat(boot.status()).as(boot.toString()).isEqualTo(423);
        assertThat(build.status()).as(build.toString()).isEqualTo(423);
        assertThat(server(server).path("name").asText()).isNotEqualTo("late");
        deleteNow(server);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "43801", "abc", "1.5", "99999999999999999999"})
    void deleteRejectsBadDelay(String delay) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.delete(V1 + "/servers/" + idleServer + "?delay=" + delay);

        assertErrors(response);
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    // POST /servers/{id}/suspend and /unsuspend

    @Test
    void suspendStopsAndUnsuspendBoots() {
        long server = builtServer(BUILD);
        String uuid = uuid(server);
        SimulatorDriver simulator = simulatorOf(server);
        assertThat(simulator.status(uuid)).isEqualTo(DomainStatus.RUNNING);

        Api.Response suspend = api.post(V1 + "/servers/" + server + "/suspend", "");

        assertNoContent(suspend);
        JsonNode queued = server(server);
        assertThat(queued.path("suspended").asBoolean()).isTrue();
        assertThat(queued.path("tasks").path("active").asBoolean()).isTrue();
        runQueue();
        assertThat(simulator.status(uuid)).isEqualTo(DomainStatus.SHUTOFF);
        assertThat(server(server).path("suspended").asBoolean()).isTrue();
        assertThat(server(server).path("tasks").path("active").asBoolean()).isFalse();
        assertThat(listRow(api.get(V1 + "/servers?results=200"), server).path("suspended").asBoolean()).isTrue();

        Api.Response unsuspend = api.post(V1 + "/servers/" + server + "/unsuspend", "");

        assertNoContent(unsuspend);
        assertThat(server(server).path("suspended").asBoolean()).isFalse();
        runQueue();
        assertThat(simulator.status(uuid)).isEqualTo(DomainStatus.RUNNING);
        assertThat(server(server).path("tasks").path("active").asBoolean()).isFalse();
    }

    @Test
    void unsuspendLeavesStoppedServerStopped() {
        long server = builtServer(BUILD);
        String uuid = uuid(server);
        SimulatorDriver simulator = simulatorOf(server);
        assertThat(api.post(V1 + "/servers/" + server + "/power/shutdown", "").status()).isEqualTo(200);
        runQueue();
        assertNoContent(api.post(V1 + "/servers/" + server + "/suspend", ""));
        runQueue();
        assertThat(simulator.status(uuid)).isEqualTo(DomainStatus.SHUTOFF);

        Api.Response unsuspend = api.post(V1 + "/servers/" + server + "/unsuspend", "");

        assertNoContent(unsuspend);
        assertThat(server(server).path("suspended").asBoolean()).isFalse();
        assertThat(server(server).path("tasks").path("active").asBoolean()).as("no boot queued").isFalse();
        assertThat(kiln.server().workers().runOnce("test")).isFalse();
        assertThat(simulator.status(uuid)).isEqualTo(DomainStatus.SHUTOFF);
    }

    @Test
    void bootRefusedWhileSuspended() {
        long server = builtServer(BUILD);
        assertNoContent(api.post(V1 + "/servers/" + server + "/suspend", ""));
        runQueue();

        Api.Response boot = api.post(V1 + "/servers/" + server + "/power/boot", "");
        Api.Response restart = api.post(V1 + "/servers/" + server + "/power/restart", "");

        assertThat(boot.status()).as(boot.toString()).isEqualTo(423);
        assertThat(boot.json().path("msg").asText()).contains("suspended");
        assertThat(restart.status()).as(restart.toString()).isEqualTo(423);
        assertThat(simulatorOf(server).status(uuid(server))).isEqualTo(DomainStatus.SHUTOFF);
    }

    @Test
    void repeatedSuspendAndUnsuspendChangeNothing() {
        long server = builtServer(BUILD);
        assertNoContent(api.post(V1 + "/servers/" + server + "/suspend", ""));
        runQueue();
        Map<String, Long> suspended = RowCounts.of(kiln);

        Api.Response again = api.post(V1 + "/servers/" + server + "/suspend", "");

        assertNoContent(again);
        assertThat(RowCounts.of(kiln)).isEqualTo(suspended);
        assertNoContent(api.post(V1 + "/servers/" + server + "/unsuspend", ""));
        runQueue();
        Map<String, Long> unsuspended = RowCounts.of(kiln);

        Api.Response unsuspendAgain = api.post(V1 + "/servers/" + server + "/unsuspend", "");

        assertNoContent(unsuspendAgain);
        assertThat(RowCounts.of(kiln)).isEqualTo(unsuspended);
    }

    @Test
    void unsuspendLockedWhileSuspendQueued() {
        long server = builtServer(BUILD);
        assertNoContent(api.post(V1 + "/servers/" + server + "/suspend", ""));

        Api.Response early = api.post(V1 + "/servers/" + server + "/unsuspend", "");

        assertThat(early.status()).as(early.toString()).isEqualTo(423);
        assertThat(server(server).path("suspended").asBoolean()).isTrue();
        runQueue();
        assertNoContent(api.post(V1 + "/servers/" + server + "/unsuspend", ""));
        runQueue();
        assertThat(simulatorOf(server).status(uuid(server))).isEqualTo(DomainStatus.RUNNING);
    }

    // PUT /servers/{id}/modify/*, /package/{packageId} and /owner/{newOwnerId}

    @Test
    void modifyNameStored() {
        long server = newServer();

        Api.Response response = api.put(V1 + "/servers/" + server + "/modify/name", json("{'name':'billing 42 ✓'}"));

        assertCreated(response);
        assertThat(server(server).path("name").asText()).isEqualTo("billing 42 ✓");
        assertThat(listRow(api.get(V1 + "/servers?results=200"), server).path("name").asText()).isEqualTo("billing 42 ✓");
    }

    @Test
    void modifyMemoryStoredAndCounted() {
        long server = newServer();
        long hypervisor = server(server).path("hypervisorId").asLong();
        long allocated = allocatedMemory(hypervisor);

        Api.Response integer = api.put(V1 + "/servers/" + server + "/modify/memory", json("{'memory':2048}"));

        assertCreated(integer);
        assertThat(server(server).path("settings").path("resources").path("memory").asInt()).isEqualTo(2048);
        assertThat(allocatedMemory(hypervisor)).isEqualTo(allocated + 1024);

        Api.Response text = api.put(V1 + "/servers/" + server + "/modify/memory", json("{'memory':'1536'}"));

        assertCreated(text);
        assertThat(server(server).path("settings").path("resources").path("memory").asInt()).isEqualTo(1536);
        assertThat(allocatedMemory(hypervisor)).isEqualTo(allocated + 512);
    }

    @Test
    void modifyMemoryBeyondHypervisorRejected() {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.put(V1 + "/servers/" + idleServer + "/modify/memory", json("{'memory':4194304}"));

        assertErrors(response);
        assertThat(response.json().path("errors").path(0).asText()).contains("no room");
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'cores':2}|2",
        "{'cpuCores':3}|3",
        "{'cores':'4'}|4",
        "{'cpuCores':'5'}|5",
        "{'cores':6,'cpuCores':7}|6"})
    void modifyCpuCoresStored(String body, int expected) {
        long server = newServer();

        Api.Response response = api.put(V1 + "/servers/" + server + "/modify/cpuCores", json(body));

        assertCreated(response);
        JsonNode view = server(server);
        assertThat(view.path("cpu").path("cores").asInt()).isEqualTo(expected);
        assertThat(view.path("cpu").path("topology").path("cores").asInt()).isEqualTo(expected);
        assertThat(view.path("settings").path("resources").path("cpuCores").asInt()).isEqualTo(expected);
    }

    @Test
    void modifyTrafficStored() {
        long server = newServer();

        Api.Response response = api.put(V1 + "/servers/" + server + "/modify/traffic", json("{'traffic':'500'}"));

        assertCreated(response);
        JsonNode view = server(server);
        assertThat(view.path("settings").path("resources").path("traffic").asInt()).isEqualTo(500);
        assertThat(view.path("traffic").path("public").path("currentPeriod").path("limit").asInt()).isEqualTo(500);
        assertThat(api.get(V1 + "/servers/" + server + "/traffic").data().path("monthly").path(0).path("limit").asInt())
                .isEqualTo(500);
    }

    @Test
    void modifyCpuThrottleStored() {
        long server = newServer();

        Api.Response half = api.put(V1 + "/servers/" + server + "/modify/cpuThrottle", json("{'percent':50}"));

        assertCreated(half);
        assertThat(server(server).path("cpu").path("throttle").asInt()).isEqualTo(50);

        Api.Response none = api.put(V1 + "/servers/" + server + "/modify/cpuThrottle", json("{'percent':'0'}"));

        assertCreated(none);
        assertThat(server(server).path("cpu").path("throttle").asInt()).isZero();
    }

    @Test
    void changePackageAppliesResources() {
        long server = newServer();
        long hypervisor = server(server).path("hypervisorId").asLong();
        long allocated = allocatedMemory(hypervisor);

        Api.Response upgrade = api.put(V1 + "/servers/" + server + "/package/2", "");

        assertThat(upgrade.status()).as(upgrade.toString()).isEqualTo(200);
        assertThat(upgrade.json().path("info").isArray()).as(upgrade.toString()).isTrue();
        assertThat(upgrade.json().path("info").valueStream().allMatch(JsonNode::isTextual)).isTrue();
        JsonNode large = server(server);
        assertThat(large.path("settings").path("resources").path("memory").asInt()).isEqualTo(4096);
        assertThat(large.path("settings").path("resources").path("cpuCores").asInt()).isEqualTo(4);
        assertThat(large.path("settings").path("resources").path("storage").asInt()).isEqualTo(80);
        assertThat(large.path("settings").path("resources").path("traffic").asInt()).isEqualTo(5000);
        assertThat(large.path("storage").path(0).path("capacity").asInt()).isEqualTo(80);
        assertThat(large.path("network").path("interfaces").path(0).path("inAverage").asInt()).isEqualTo(125_000);
        assertThat(allocatedMemory(hypervisor)).isEqualTo(allocated + 3072);

        Api.Response downgrade = api.put(V1 + "/servers/" + server + "/package/1", "[]");

        assertThat(downgrade.status()).as(downgrade.toString()).isEqualTo(200);
        assertThat(downgrade.json().path("info").valueStream().map(JsonNode::asText))
                .contains("primary disk not updated. It either matches or is lower than the current value");
        JsonNode small = server(server);
        assertThat(small.path("settings").path("resources").path("memory").asInt()).isEqualTo(SMALL_MEMORY);
        assertThat(small.path("settings").path("resources").path("storage").asInt()).as("disks never shrink").isEqualTo(80);
        assertThat(allocatedMemory(hypervisor)).isEqualTo(allocated);
    }

    @Test
    void changePackageSameListsUnchanged() {
        long server = newServer();

        Api.Response response = api.put(V1 + "/servers/" + server + "/package/1", "");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().path("info").valueStream().map(JsonNode::asText))
                .contains("memory not updated. It matches the current value", "CPU cores not updated. It matches the current value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"999", "0", "abc"})
    void changePackageUnknownNotFound(String packageId) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.put(V1 + "/servers/" + idleServer + "/package/" + packageId, "");

        assertMessage(response, 404, "package not found");
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    @Test
    void changeOwnerMovesServerAndDropsKeys() {
        long oldOwner = newUser();
        long key = fixtures.sshKey(oldOwner, Fixtures.ED25519_A);
        long server = fixtures.server(oldOwner, 1);
        fixtures.build(server, "{\"operatingSystemId\":1,\"sshKeys\":[" + key + "]}");
        runQueue();
        assertThat(server(server).path("sshKeys")).hasSize(1);
        long newOwner = newUser();

        Api.Response response = api.put(V1 + "/servers/" + server + "/owner/" + newOwner, "");

        assertCreated(response);
        JsonNode view = server(server);
        assertThat(view.path("ownerId").asLong()).isEqualTo(newOwner);
        assertThat(view.path("owner").path("id").asLong()).isEqualTo(newOwner);
        assertThat(view.path("sshKeys")).as("the old owner's keys are no longer listed").isEmpty();
        assertThat(ids(api.get(V1 + "/servers/user/" + newOwner).data())).containsExactly(server);
        assertThat(ids(api.get(V1 + "/servers/user/" + oldOwner).data())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999", "0", "abc"})
    void changeOwnerUnknownUserNotFound(String userId) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.put(V1 + "/servers/" + idleServer + "/owner/" + userId, "");

        assertMessage(response, 404, "user not found");
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    // POST /servers/{id}/ipv4Qty, POST|DELETE /servers/{id}/ipv4 and /networkWhitelist

    @Test
    void ipv4QuantityAdded() {
        long server = newServer();
        long used = ipBlock(1).path("ipv4").path("usedTotal").asLong();

        Api.Response two = api.post(V1 + "/servers/" + server + "/ipv4Qty", json("{'interface':'primary','quantity':2}"));
        Api.Response one = api.post(V1 + "/servers/" + server + "/ipv4Qty", json("{'quantity':'1'}"));

        assertThat(two.status()).as(two.toString()).isEqualTo(200);
        assertThat(two.data()).hasSize(2);
        assertThat(two.data().valueStream().map(JsonNode::asText)).allMatch(a -> a.matches(IPV4_PATTERN));
        assertThat(one.status()).as(one.toString()).isEqualTo(200);
        assertThat(one.data()).hasSize(1);
        List<String> shown = addresses(server(server));
        assertThat(shown).hasSize(4);
        assertThat(shown).containsAll(two.data().valueStream().map(JsonNode::asText).toList());
        assertThat(shown).contains(one.data().path(0).asText());
        assertThat(ipBlock(1).path("ipv4").path("usedTotal").asLong()).isEqualTo(used + 3);
    }

    @Test
    void ipv4AddedAndRemovedByAddress() {
        long server = newServer();
        String free = freeAddress();

        Api.Response added = api.post(V1 + "/servers/" + server + "/ipv4", json("{'interface':'primary','ip':['" + free + "']}"));

        assertNoContent(added);
        assertThat(addresses(server(server))).containsExactly(firstAddress(server(server)), free);

        Api.Response removed = deleteWithBody(V1 + "/servers/" + server + "/ipv4", json("{'ip':['" + free + "']}"));

        assertNoContent(removed);
        assertThat(addresses(server(server))).doesNotContain(free).hasSize(1);
        assertThat(RowCounts.count(kiln, "ipv4_address WHERE address = '" + free + "' AND server_id IS NULL")).isEqualTo(1);
    }

    @Test
    void ipv4OfAnotherServerRejected() {
        long server = newServer();
        String taken = firstAddress(server(idleServer));
        String free = freeAddress();
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response add = api.post(V1 + "/servers/" + server + "/ipv4", json("{'ip':['" + free + "','" + taken + "']}"));
        Api.Response remove = deleteWithBody(V1 + "/servers/" + server + "/ipv4", json("{'ip':['" + taken + "']}"));

        assertErrors(add);
        assertThat(add.json().path("errors").path(0).asText()).contains(taken);
        assertErrors(remove);
        assertThat(RowCounts.of(kiln)).as("the free address of the same request is not kept").isEqualTo(before);
        assertThat(addresses(server(idleServer))).contains(taken);
    }

    @Test
    void whitelistAddedShownAndRemoved() {
        long server = newServer();
        String path = V1 + "/servers/" + server + "/networkWhitelist";

        assertCreated(api.post(path, json("{'interface':'primary','ip':'10.0.0.10','cidr':32}")));
        assertCreated(api.post(path, json("{'ip':'2001:db8::1','cidr':'128'}")));
        assertCreated(api.post(path, json("{'ip':'10.0.0.10','cidr':24}")));

        JsonNode whitelist = server(server).path("network").path("interfaces").path(0).path("ipWhitelist");
        assertThat(whitelist).as(whitelist.toString()).hasSize(2);
        JsonNode v4 = entryWithIp(whitelist, "10.0.0.10");
        JsonNode v6 = entryWithIp(whitelist, "2001:db8::1");
        assertThat(v4.path("mask").asInt()).as("re-adding an address replaces its entry").isEqualTo(24);
        assertThat(v4.path("type").asInt()).isEqualTo(4);
        assertThat(v6.path("mask").asInt()).isEqualTo(128);
        assertThat(v6.path("type").asInt()).isEqualTo(6);

        Api.Response removed = deleteWithBody(path, json("{'interface':'primary','ip':'10.0.0.10'}"));

        assertNoContent(removed);
        JsonNode after = server(server).path("network").path("interfaces").path(0).path("ipWhitelist");
        assertThat(after.valueStream().map(e -> e.path("ip").asText())).containsExactly("2001:db8::1");
        assertErrors(deleteWithBody(path, json("{'ip':'10.0.0.10'}")));
    }

    // GET|POST /servers/{id}/vnc, POST /customXML, PUT /backups/plan/{planId}, GET /traffic

    @Test
    void vncEnabledAndDisabled() {
        long server = newServer();
        String path = V1 + "/servers/" + server + "/vnc";

        Api.Response initial = api.get(path);

        assertThat(initial.status()).as(initial.toString()).isEqualTo(200);
        assertThat(initial.data().path("vnc").path("enabled").asBoolean()).isFalse();
        assertThat(initial.data().path("vnc").path("port").isInt()).isTrue();
        assertThat(initial.data().path("vnc").path("ip").asText()).matches(IPV4_PATTERN);

        Api.Response enabled = api.post(path, json("{'action':'enable'}"));

        assertThat(enabled.status()).as(enabled.toString()).isEqualTo(200);
        assertThat(enabled.data().path("vnc").path("enabled").asBoolean()).isTrue();
        String password = enabled.data().path("vnc").path("password").asText();
        assertThat(password).isNotBlank();
        assertThat(enabled.data().has("queueId")).isTrue();
        assertThat(enabled.data().path("queueId").isNull()).isTrue();
        assertThat(server(server).path("vnc").path("enabled").asBoolean()).isTrue();
        assertThat(api.get(path).data().path("vnc").path("password").asText()).isEqualTo(password);

        Api.Response disabled = api.post(path, json("{'vnc':false}"));

        assertThat(disabled.status()).as(disabled.toString()).isEqualTo(200);
        assertThat(disabled.data().path("vnc").path("enabled").asBoolean()).isFalse();
        assertThat(server(server).path("vnc").path("enabled").asBoolean()).isFalse();

        Api.Response again = api.post(path, json("{'vnc':'1'}"));

        assertThat(again.data().path("vnc").path("enabled").asBoolean()).isTrue();
        assertThat(again.data().path("vnc").path("password").asText()).as("the password is kept").isEqualTo(password);
    }

    @Test
    void customXmlStored() {
        long server = newServer();
        String path = V1 + "/servers/" + server + "/customXML";

        Api.Response response = api.post(path, json("{'domain':'<metadata/>','domainEnabled':true,'cpuTune':'<shares>2048</shares>'}"));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.data().isObject()).isTrue();
        JsonNode xml = server(server).path("customXML");
        assertThat(xml.path("domain").path("xml").asText()).isEqualTo("<metadata/>");
        assertThat(xml.path("domain").path("enabled").asBoolean()).isTrue();
        assertThat(xml.path("cpuTune").path("xml").asText()).isEqualTo("<shares>2048</shares>");
        assertThat(xml.path("cpuTune").path("enabled").asBoolean()).isFalse();
        assertThat(xml.path("os").path("xml").asText()).isEmpty();

        assertThat(api.post(path, json("{'domainEnabled':'0'}")).status()).isEqualTo(200);

        JsonNode changed = server(server).path("customXML");
        assertThat(changed.path("domain").path("xml").asText()).as("a part not sent is kept").isEqualTo("<metadata/>");
        assertThat(changed.path("domain").path("enabled").asBoolean()).isFalse();
    }

    @Test
    void backupPlanSetAndRemoved() {
        long server = newServer();

        Api.Response set = api.put(V1 + "/servers/" + server + "/backups/plan/3", "");

        assertCreated(set);
        assertThat(server(server).path("backupPlan").path("id").asLong()).isEqualTo(3);

        Api.Response removed = api.put(V1 + "/servers/" + server + "/backups/plan/0", "");

        assertCreated(removed);
        assertThat(server(server).path("backupPlan").path("id").isNull()).isTrue();
    }

    /**
     * A server created on the 31st: periods start on the creation day of each month (or the
     * month's last day), newest first, numbered from 1 for the oldest as the example in VirtFusion's API reference numbers them.
     */
    @Test
    void trafficMonthlyNewestFirst() {
        long server = newServer();
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate created = today.minusDays(70);
        while (created.getDayOfMonth() != 31) {
            created = created.minusDays(1);
        }
        LocalDate creationDay = created;
        kiln.server().database().jdbi().useHandle(h -> {
            h.createUpdate("UPDATE server SET created = :created WHERE id = :id")
                    .bind("created", creationDay.atTime(12, 0).atOffset(ZoneOffset.UTC)).bind("id", server).execute();
            h.createUpdate("INSERT INTO server_traffic (server_id, period_start, rx_bytes, tx_bytes) VALUES (:id, :start, 1000, 24)")
                    .bind("id", server).bind("start", creationDay).execute();
        });

        Api.Response response = api.get(V1 + "/servers/" + server + "/traffic");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        List<JsonNode> monthly = response.data().path("monthly").valueStream().toList();
        assertThat(monthly.size()).as(response.toString()).isGreaterThanOrEqualTo(3);
        JsonNode oldest = monthly.get(monthly.size() - 1);
        assertThat(oldest.path("start").asText()).isEqualTo(PERIOD.format(creationDay.atStartOfDay()));
        assertThat(oldest.path("month").asInt()).isEqualTo(1);
        assertThat(oldest.path("rx").asLong()).isEqualTo(1000);
        assertThat(oldest.path("tx").asLong()).isEqualTo(24);
        assertThat(oldest.path("total").asLong()).isEqualTo(1024);
        assertThat(oldest.path("limit").asInt()).isEqualTo(1000);
        JsonNode newest = monthly.get(0);
        assertThat(newest.path("month").asInt()).isEqualTo(monthly.size());
        assertThat(LocalDateTime.parse(newest.path("start").asText(), PERIOD)).isBeforeOrEqualTo(today.atTime(LocalTime.MAX));
        assertThat(LocalDateTime.parse(newest.path("end").asText(), PERIOD)).isAfterOrEqualTo(today.atStartOfDay());
        for (int i = 0; i + 1 < monthly.size(); i++) {
            LocalDateTime newerStart = LocalDateTime.parse(monthly.get(i).path("start").asText(), PERIOD);
            LocalDateTime olderEnd = LocalDateTime.parse(monthly.get(i + 1).path("end").asText(), PERIOD);
            assertThat(olderEnd.plusSeconds(1)).as("period %d follows period %d without a gap", i, i + 1).isEqualTo(newerStart);
            assertThat(monthly.get(i).path("month").asInt()).isEqualTo(monthly.get(i + 1).path("month").asInt() + 1);
            assertThat(monthly.get(i).path("rx").asLong()).isZero();
        }
    }

    // Every server route: unknown server, bad input, and a server locked by a queued build

    @ParameterizedTest
    @MethodSource("serverRoutes")
    void unknownServerNotFound(Call call) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = send(call, UNKNOWN_ID);

        assertMessage(response, 404, "server not found");
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    @ParameterizedTest
    @MethodSource("serverRoutes")
    void nonNumericServerNotFound(Call call) {
        Api.Response response = api.send(call.method(), V1 + "/servers/abc" + call.path(ownerId), call.body(),
                Map.of("Content-Type", "application/json"));

        assertMessage(response, 404, "server not found");
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputRejected(Call call) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = send(call, idleServer);

        assertErrors(response);
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    @ParameterizedTest
    @MethodSource("changeRoutes")
    void lockedWhileBuildQueued(Call call) {
        long server = newServer();
        fixtures.build(server, BUILD);
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = send(call, server);

        assertThat(response.status()).as(response.toString()).isEqualTo(423);
        assertThat(response.json().path("msg").asText()).contains("locked");
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
        runQueue();
        assertThat(server(server).path("commissionStatus").asInt()).isEqualTo(Server.BUILT);
    }

    @Test
    void readsAnsweredWhileBuildQueued() {
        long server = newServer();
        fixtures.build(server, BUILD);

        for (String path : List.of("", "/vnc", "/traffic", "/templates")) {
            Api.Response response = api.get(V1 + "/servers/" + server + path);
            assertThat(response.status()).as(path + ": " + response).isEqualTo(200);
        }
        runQueue();
    }

    // GET /connectivity/ipblocks[/{id}], POST /connectivity/ipblocks/{id}/ipv4

    @Test
    void ipBlocksListed() {
        Api.Response response = api.get(V1 + "/connectivity/ipblocks");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().path("total").asInt()).isEqualTo(2);
        assertThat(response.data().path(0).path("type").asInt()).isEqualTo(4);
        assertThat(response.data().path(1).path("type").asInt()).isEqualTo(6);
    }

    @Test
    void ipBlockCountsUsage() {
        newServer();

        JsonNode block = ipBlock(1);

        long total = RowCounts.count(kiln, "ipv4_address WHERE block_id = 1");
        long used = RowCounts.count(kiln, "ipv4_address WHERE block_id = 1 AND server_id IS NOT NULL");
        assertThat(block.path("ipv4").path("total").asLong()).isEqualTo(total);
        assertThat(block.path("ipv4").path("usedTotal").asLong()).isEqualTo(used);
        assertThat(block.path("ipv4").path("freeTotal").asLong()).isEqualTo(total - used);
        assertThat(block.path("ipv4").path("gateway").asText()).isEqualTo("192.0.2.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"999", "0", "abc"})
    void ipBlockUnknownNotFound(String blockId) {
        assertMessage(api.get(V1 + "/connectivity/ipblocks/" + blockId), 404, "ip block not found");
        assertMessage(api.post(V1 + "/connectivity/ipblocks/" + blockId + "/ipv4",
                json("{'type':'range','start':'192.0.2.241','end':'192.0.2.242'}")), 404, "ip block not found");
    }

    @Test
    void ipv4RangeAdded() {
        long total = ipBlock(1).path("ipv4").path("total").asLong();
        String range = json("{'type':'range','start':'192.0.2.241','end':'192.0.2.244'}");

        Api.Response added = api.post(V1 + "/connectivity/ipblocks/1/ipv4", range);

        assertNoContent(added);
        assertThat(ipBlock(1).path("ipv4").path("total").asLong()).isEqualTo(total + 4);
        assertThat(RowCounts.count(kiln, "ipv4_address WHERE address = '192.0.2.243' AND block_id = 1")).isEqualTo(1);

        Api.Response repeated = api.post(V1 + "/connectivity/ipblocks/1/ipv4", range);

        assertNoContent(repeated);
        assertThat(ipBlock(1).path("ipv4").path("total").asLong()).as("known addresses are skipped").isEqualTo(total + 4);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "1|{'type':'single','start':'192.0.2.245','end':'192.0.2.246'}",
        "1|{'type':'range','start':'192.0.2.246','end':'192.0.2.245'}",
        "1|{'type':'range','start':'192.0.2.300','end':'192.0.2.301'}",
        "1|{'type':'range','start':'192.0.2.245'}",
        "1|{'type':'range','start':245,'end':246}",
        "1|{'type':'range','start':'10.0.0.0','end':'10.1.0.0'}",
        "2|{'type':'range','start':'192.0.2.245','end':'192.0.2.246'}"})
    void ipv4RangeRejected(long blockId, String body) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.post(V1 + "/connectivity/ipblocks/" + blockId + "/ipv4", json(body));

        assertErrors(response);
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    // GET /compute/hypervisors/groups/{id}/resources

    @Test
    void groupResourcesShowAllocation() {
        newServer();

        Api.Response response = api.get(V1 + "/compute/hypervisors/groups/1/resources");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().path("total").asInt()).isEqualTo(2);
        for (JsonNode row : response.data()) {
            long hypervisor = row.path("hypervisor").path("id").asLong();
            JsonNode resources = row.path("resources");
            assertThat(resources.path("memory").path("max").asLong()).isEqualTo(262_144);
            assertThat(resources.path("memory").path("allocated").asLong())
                    .isEqualTo(sum("memory_mb", hypervisor));
            assertThat(resources.path("cpuCores").path("allocated").asLong()).isEqualTo(sum("cpu_cores", hypervisor));
            assertThat(resources.path("localStorage").path("allocated").asLong()).isEqualTo(sum("storage_gb", hypervisor));
            assertThat(resources.path("servers").path("allocated").asLong())
                    .isEqualTo(RowCounts.count(kiln, "server WHERE hypervisor_id = " + hypervisor));
        }
    }

    @Test
    void groupResourcesOfEmptyGroup() {
        Api.Response response = api.get(V1 + "/compute/hypervisors/groups/2/resources");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().path("total").asInt()).isZero();
        assertThat(response.data()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"999", "0", "abc"})
    void groupResourcesUnknownNotFound(String groupId) {
        assertMessage(api.get(V1 + "/compute/hypervisors/groups/" + groupId + "/resources"), 404, "hypervisor group not found");
    }

    // Request tables

    /** Lists every route that changes a server, each with a valid body. */
    Stream<Call> changeRoutes() {
        return Stream.of(
                new Call("DELETE", "", null),
                new Call("DELETE", "?delay=0", null),
                new Call("POST", "/suspend", ""),
                new Call("POST", "/unsuspend", ""),
                new Call("PUT", "/modify/name", json("{'name':'renamed'}")),
                new Call("PUT", "/modify/memory", json("{'memory':2048}")),
                new Call("PUT", "/modify/cpuCores", json("{'cores':2}")),
                new Call("PUT", "/modify/traffic", json("{'traffic':500}")),
                new Call("PUT", "/modify/cpuThrottle", json("{'percent':50}")),
                new Call("PUT", "/package/2", ""),
                new Call("PUT", "/owner/{owner}", ""),
                new Call("POST", "/ipv4Qty", json("{'quantity':1}")),
                new Call("POST", "/ipv4", json("{'ip':['192.0.2.239']}")),
                new Call("DELETE", "/ipv4", json("{'ip':['192.0.2.239']}")),
                new Call("POST", "/networkWhitelist", json("{'ip':'10.0.0.10','cidr':32}")),
                new Call("DELETE", "/networkWhitelist", json("{'ip':'10.0.0.10'}")),
                new Call("POST", "/vnc", json("{'action':'enable'}")),
                new Call("POST", "/customXML", json("{'domain':'<metadata/>'}")),
                new Call("PUT", "/backups/plan/1", ""),
                new Call("POST", "/power/boot", ""));
    }

    /** Lists every server route, changes and reads. */
    Stream<Call> serverRoutes() {
        return Stream.concat(changeRoutes(), Stream.of(
                new Call("GET", "", null),
                new Call("GET", "/vnc", null),
                new Call("GET", "/traffic", null),
                new Call("GET", "/templates", null)));
    }

    /** Lists requests to an existing, idle server that must be rejected with 422. */
    Stream<Call> badInputs() {
        return Stream.of(
                new Call("PUT", "/modify/name", ""),
                new Call("PUT", "/modify/name", json("{'name':''}")),
                new Call("PUT", "/modify/name", json("{'name':'   '}")),
                new Call("PUT", "/modify/name", json("{'name':123}")),
                new Call("PUT", "/modify/name", json("{'name':'" + "n".repeat(256) + "'}")),
                new Call("PUT", "/modify/name", json("{'name':'tab\\there'}")),
                new Call("PUT", "/modify/name", "[1]"),
                new Call("PUT", "/modify/memory", "{}"),
                new Call("PUT", "/modify/memory", json("{'memory':255}")),
                new Call("PUT", "/modify/memory", json("{'memory':'abc'}")),
                new Call("PUT", "/modify/memory", json("{'memory':1.5}")),
                new Call("PUT", "/modify/memory", json("{'memory':true}")),
                new Call("PUT", "/modify/cpuCores", "[]"),
                new Call("PUT", "/modify/cpuCores", json("{'cores':0}")),
                new Call("PUT", "/modify/cpuCores", json("{'cpuCores':513}")),
                new Call("PUT", "/modify/cpuCores", json("{'cores':'two'}")),
                new Call("PUT", "/modify/traffic", ""),
                new Call("PUT", "/modify/traffic", json("{'traffic':-1}")),
                new Call("PUT", "/modify/traffic", json("{'traffic':'1e3'}")),
                new Call("PUT", "/modify/cpuThrottle", ""),
                new Call("PUT", "/modify/cpuThrottle", json("{'percent':100}")),
                new Call("PUT", "/modify/cpuThrottle", json("{'percent':-1}")),
                new Call("PUT", "/modify/cpuThrottle", json("{'percent':'half'}")),
                new Call("POST", "/ipv4Qty", ""),
                new Call("POST", "/ipv4Qty", json("{'quantity':0}")),
                new Call("POST", "/ipv4Qty", json("{'quantity':65}")),
                new Call("POST", "/ipv4Qty", json("{'quantity':'x'}")),
                new Call("POST", "/ipv4Qty", json("{'interface':'secondary','quantity':1}")),
                new Call("POST", "/ipv4", ""),
                new Call("POST", "/ipv4", json("{'ip':[]}")),
                new Call("POST", "/ipv4", json("{'ip':'192.0.2.239'}")),
                new Call("POST", "/ipv4", json("{'ip':['300.0.0.1']}")),
                new Call("POST", "/ipv4", json("{'ip':[5]}")),
                new Call("POST", "/ipv4", json("{'ip':['198.51.100.7']}")),
                new Call("POST", "/ipv4", json("{'interface':'secondary','ip':['192.0.2.239']}")),
                new Call("DELETE", "/ipv4", ""),
                new Call("DELETE", "/ipv4", json("{'ip':['192.0.2.239']}")),
                new Call("DELETE", "/ipv4", json("{'ip':['nope']}")),
                new Call("POST", "/networkWhitelist", ""),
                new Call("POST", "/networkWhitelist", json("{'ip':'10.0.0.1'}")),
                new Call("POST", "/networkWhitelist", json("{'ip':'10.0.0.1','cidr':33}")),
                new Call("POST", "/networkWhitelist", json("{'ip':'2001:db8::1','cidr':129}")),
                new Call("POST", "/networkWhitelist", json("{'ip':'not-an-ip','cidr':32}")),
                new Call("POST", "/networkWhitelist", json("{'ip':'10.0.0.1','cidr':'x'}")),
                new Call("POST", "/networkWhitelist", json("{'interface':'secondary','ip':'10.0.0.1','cidr':32}")),
                new Call("DELETE", "/networkWhitelist", ""),
                new Call("DELETE", "/networkWhitelist", json("{'ip':'10.9.9.9'}")),
                new Call("POST", "/vnc", ""),
                new Call("POST", "/vnc", json("{'action':'toggle'}")),
                new Call("POST", "/vnc", json("{'action':1}")),
                new Call("POST", "/vnc", json("{'vnc':'maybe'}")),
                new Call("POST", "/customXML", json("{'domain':5}")),
                new Call("POST", "/customXML", json("{'domainEnabled':'yes'}")),
                new Call("POST", "/customXML", json("{'os':'" + "x".repeat(100_001) + "'}")),
                new Call("PUT", "/backups/plan/-1", ""),
                new Call("PUT", "/backups/plan/abc", ""));
    }

    /**
     * One request to a server route.
     *
     * @param path the part after {@code /servers/{id}}; {@code {owner}} is replaced by a user id
     * @param body the raw body, or null for none
     */
    record Call(String method, String path, String body) {

        String path(long ownerId) {
            return path.replace("{owner}", Long.toString(ownerId));
        }

        @Override
        public String toString() {
            String shown = body == null || body.isEmpty() ? "" : " " + body;
            return method + " " + path + (shown.length() > 60 ? shown.substring(0, 60) + "…" : shown);
        }
    }

    // Helpers

    private Api.Response send(Call call, long serverId) {
        return api.send(call.method(), V1 + "/servers/" + serverId + call.path(ownerId), call.body(),
                Map.of("Content-Type", "application/json"));
    }

    private Api.Response deleteWithBody(String path, String body) {
        return api.send("DELETE", path, body, Map.of("Content-Type", "application/json"));
    }

    private long newUser() {
        return fixtures.user(nextExtRelationId.getAndIncrement());
    }

    /** Creates a server of package 1 for the shared owner, without an operating system. */
    private long newServer() {
        return fixtures.server(ownerId, 1);
    }

    /** Creates a server and runs its build; the domain is running afterwards. */
    private long builtServer(String buildBody) {
        long server = newServer();
        fixtures.build(server, buildBody);
        runQueue();
        assertThat(server(server).path("commissionStatus").asInt()).isEqualTo(Server.BUILT);
        return server;
    }

    /** Deletes a server at once and runs the deletion, so that no scheduled item outlives its test. */
    private void deleteNow(long server) {
        assertNoContent(api.delete(V1 + "/servers/" + server + "?delay=0"));
        runQueue();
        assertThat(api.get(V1 + "/servers/" + server).status()).isEqualTo(404);
    }

    /** Runs queued items on this thread until none is due; bounded so a loop cannot hang the test. */
    private void runQueue() {
        for (int i = 0; i < 50; i++) {
            if (!kiln.server().workers().runOnce("test")) {
                return;
            }
        }
        throw new AssertionError("queue still had items after 50 runs");
    }

    private JsonNode server(long id) {
        Api.Response response = api.get(V1 + "/servers/" + id);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.data();
    }

    private String uuid(long server) {
        return server(server).path("uuid").asText();
    }

    private SimulatorDriver simulatorOf(long server) {
        return kiln.simulator(server(server).path("hypervisorId").asLong());
    }

    private JsonNode ipBlock(long id) {
        Api.Response response = api.get(V1 + "/connectivity/ipblocks/" + id);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.data();
    }

    /** Memory allocated on a hypervisor as its group's resources view shows it, in MB. */
    private long allocatedMemory(long hypervisor) {
        Api.Response response = api.get(V1 + "/compute/hypervisors/groups/1/resources");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.data().valueStream()
                .filter(row -> row.path("hypervisor").path("id").asLong() == hypervisor)
                .findFirst().orElseThrow()
                .path("resources").path("memory").path("allocated").asLong();
    }

    private long sum(String column, long hypervisor) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT COALESCE(SUM(" + column + "), 0) FROM server WHERE hypervisor_id = :id")
                .bind("id", hypervisor).mapTo(Long.class).one());
    }

    private Instant deletionNotBefore(long server) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT not_before FROM queue_item WHERE server_id = :id AND action = :action")
                .bind("id", server).bind("action", Actions.DELETE).mapTo(OffsetDateTime.class).one()).toInstant();
    }

    /** Returns the free address of block 1 with the highest id, which no other request of the test takes first. */
    private String freeAddress() {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT address FROM ipv4_address WHERE block_id = 1 AND server_id IS NULL ORDER BY id DESC")
                .mapTo(String.class).first());
    }

    private static String firstAddress(JsonNode server) {
        return server.path("network").path("interfaces").path(0).path("ipv4").path(0).path("address").asText();
    }

    private static List<String> addresses(JsonNode server) {
        return server.path("network").path("interfaces").path(0).path("ipv4").valueStream().map(a -> a.path("address").asText()).toList();
    }

    private static JsonNode entryWithIp(JsonNode list, String ip) {
        return list.valueStream().filter(e -> e.path("ip").asText().equals(ip)).findFirst()
                .orElseThrow(() -> new AssertionError(ip + " is not in " + list));
    }

    private static JsonNode listRow(Api.Response list, long server) {
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        return list.data().valueStream().filter(r -> r.path("id").asLong() == server).findFirst()
                .orElseThrow(() -> new AssertionError("server " + server + " is not on the first list page"));
    }

    private static List<Long> ids(JsonNode rows) {
        List<Long> out = new ArrayList<>();
        rows.forEach(r -> out.add(r.path("id").asLong()));
        return out;
    }

    /** Turns single quotes into double quotes, so JSON bodies read without escapes. */
    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static void assertNoContent(Api.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
    }

    private static void assertCreated(Api.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(201);
    }

    private static void assertMessage(Api.Response response, int status, String message) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.json().path("msg").asText()).isEqualTo(message);
    }

    private static void assertErrors(Api.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        JsonNode errors = response.json().path("errors");
        assertThat(errors.isArray()).as(response.toString()).isTrue();
        assertThat(errors).isNotEmpty();
        assertThat(errors.valueStream()).allMatch(JsonNode::isTextual);
    }

    /** The system clock moved forward by a settable amount, so that a test can make a scheduled item due. */
    private static final class ShiftedClock extends Clock {

        private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

        void advance(Duration duration) {
            offset.updateAndGet(current -> current.plus(duration));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("ShiftedClock is always UTC");
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }
    }
}
