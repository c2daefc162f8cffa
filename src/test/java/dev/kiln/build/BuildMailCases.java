package dev.kiln.build;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The "server ready" mail of a build that asks for {@code email: true}, delivered to an
 * in-process SMTP server on 127.0.0.1. Every test also checks that no log line carries the
 * root password, which the mail body does carry.
 */
abstract class BuildMailCases {

    @RegisterExtension
    final GreenMailExtension smtp = new GreenMailExtension(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private TestKiln kiln;

    abstract DatabaseKind kind();

    @BeforeEach
    void captureLogs() {
        logs.start();
        rootLogger().addAppender(logs);
    }

    @AfterEach
    void stopNodeAndCapture() {
        if (kiln != null) {
            kiln.close();
        }
        rootLogger().detachAppender(logs);
        logs.stop();
    }

    @Test
    void readyMailDelivered() throws Exception {
        kiln = startNode(smtp.getSmtp().getPort());
        Build build = build(kiln, true);

        MimeMessage[] received = smtp.getReceivedMessages();
        assertThat(received).hasSize(1);
        assertThat(received[0].getRecipients(Message.RecipientType.TO)).extracting(Object::toString)
                .containsExactly(build.ownerEmail());
        assertThat(GreenMailUtil.getBody(received[0])).contains(build.hostname());
        assertThat(GreenMailUtil.getBody(received[0])).contains(build.password());
        assertThat(received[0].getSubject()).doesNotContain(build.password());
        assertThat(build.commissionStatus()).isEqualTo(3);
        assertThat(loggedText()).contains("ready mail sent");
        assertThat(loggedText()).doesNotContain(build.password());
    }

    @Test
    void noMailWithoutEmailFlag() {
        kiln = startNode(smtp.getSmtp().getPort());

        Build build = build(kiln, false);

        assertThat(smtp.getReceivedMessages()).isEmpty();
        assertThat(build.commissionStatus()).isEqualTo(3);
        assertThat(loggedText()).doesNotContain("ready mail");
    }

    @Test
    void mailSkippedWithoutSmtp() {
        kiln = TestKiln.builder(kind()).setting("workers", "0").start();

        Build build = build(kiln, true);

        assertThat(smtp.getReceivedMessages()).isEmpty();
        assertThat(build.commissionStatus()).isEqualTo(3);
        assertThat(loggedText()).contains("ready mail to user", "skipped because SMTP is not configured");
        assertThat(loggedText()).doesNotContain(build.password());
    }

    @Test
    void unreachableSmtpKeepsBuild() throws IOException {
        kiln = startNode(closedPort());

        Build build = build(kiln, true);

        assertThat(build.commissionStatus()).isEqualTo(3);
        assertThat(build.buildFailed()).isFalse();
        assertThat(loggedText()).contains("ready mail to user", "failed", "the build itself succeeded");
        assertThat(loggedText()).doesNotContain(build.password());
    }

    private TestKiln startNode(int smtpPort) {
        return TestKiln.builder(kind())
                .setting("workers", "0")
                .setting("smtp.host", "127.0.0.1")
                .setting("smtp.port", Integer.toString(smtpPort))
                .setting("smtp.from", "kiln@example.com")
                .start();
    }

    /** Creates a user and a server, builds it with the email flag given and runs the queue. */
    private static Build build(TestKiln kiln, boolean email) {
        Fixtures fixtures = new Fixtures(kiln.api());
        long server = fixtures.server(fixtures.user(1), 1);
        String hostname = "mail-test-" + server + ".example.com";
        JsonNode accepted = fixtures.build(server, "{\"operatingSystemId\":1,\"hostname\":\"" + hostname + "\",\"email\":"
                + email + "}");
        runQueue(kiln);
        JsonNode view = kiln.api().get("/api/v1/servers/" + server).data();
        return new Build(hostname, accepted.path("settings").path("decryptedPassword").asText(),
                view.path("owner").path("email").asText(), view.path("commissionStatus").asInt(),
                view.path("buildFailed").asBoolean());
    }

    /** Runs queued items on this thread until none is left; bounded so a loop cannot hang the test. */
    private static void runQueue(TestKiln kiln) {
        for (int i = 0; i < 5; i++) {
            if (!kiln.server().workers().runOnce("test/0")) {
                return;
            }
        }
        throw new AssertionError("queue still had items after 5 runs");
    }

    private record Build(String hostname, String password, String ownerEmail, int commissionStatus, boolean buildFailed) {
    }

    /** Every captured log message and exception message, one per line. */
    private String loggedText() {
        List<ILoggingEvent> events;
        synchronized (logs) {
            events = new ArrayList<>(logs.list);
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : events) {
            lines.add(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                lines.add(t.getClassName() + ": " + t.getMessage());
            }
        }
        return String.join("\n", lines);
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** A port on 127.0.0.1 that nothing listens on: bound once by this test, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
