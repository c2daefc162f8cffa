package dev.kiln.build;

import dev.kiln.config.KilnConfig;
import dev.kiln.network.Ipv4Address;
import dev.kiln.servers.ServerDetails;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "server ready" mail sent to the owner when a build asked for {@code email: true}. Without
 * SMTP settings the mail is skipped and a log line says so. Send failures are logged, never
 * thrown: a built server stays built.
 */
public final class ReadyMail {

    private static final Logger LOG = LoggerFactory.getLogger(ReadyMail.class);
    private static final int TIMEOUT_MS = 15_000;

    private final KilnConfig.Smtp smtp;

    public ReadyMail(KilnConfig.Smtp smtp) {
        this.smtp = smtp;
    }

    /** Sends the mail; the password goes into the message body only, never into a log line. */
    public void serverReady(ServerDetails d, String rootPassword) {
        long serverId = d.server().id();
        if (smtp == null) {
            LOG.info("server {}: ready mail to user {} skipped because SMTP is not configured (KILN_SMTP_HOST)",
                    serverId, d.owner().id());
            return;
        }
        try {
            Properties props = new Properties();
            props.put("mail.smtp.host", smtp.host());
            props.put("mail.smtp.port", Integer.toString(smtp.port()));
            props.put("mail.smtp.connectiontimeout", Integer.toString(TIMEOUT_MS));
            props.put("mail.smtp.timeout", Integer.toString(TIMEOUT_MS));
            props.put("mail.smtp.writetimeout", Integer.toString(TIMEOUT_MS));
            props.put("mail.smtp.starttls.enable", Boolean.toString(smtp.startTls()));
            props.put("mail.smtp.auth", Boolean.toString(smtp.user() != null));
            Session session = Session.getInstance(props);

            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress(smtp.from()));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress(d.owner().email()));
            message.setSubject("Your server " + label(d) + " is ready");
            message.setText(body(d, rootPassword), "UTF-8");
            if (smtp.user() != null) {
                Transport.send(message, smtp.user(), smtp.password());
            } else {
                Transport.send(message);
            }
            LOG.info("server {}: ready mail sent to user {}", serverId, d.owner().id());
        } catch (MessagingException e) {
            LOG.warn("server {}: ready mail to user {} failed: {}; the build itself succeeded", serverId, d.owner().id(),
                    e.getMessage());
        }
    }

    private static String label(ServerDetails d) {
        return d.server().name().isBlank() ? d.server().uuid() : d.server().name();
    }

    static String body(ServerDetails d, String rootPassword) {
        String addresses = d.ipv4().stream().map(Ipv4Address::address).collect(Collectors.joining(", "));
        return "Hello " + d.owner().name() + ",\n\n"
                + "your server " + label(d) + " has been built and is starting.\n\n"
                + "Hostname: " + (d.server().hostname() == null ? "-" : d.server().hostname()) + "\n"
                + "IPv4: " + (addresses.isEmpty() ? "-" : addresses) + "\n"
                + "Operating system: " + (d.template() == null ? "-" : d.template().displayName()) + "\n"
                + "Username: root\n"
                + "Password: " + rootPassword + "\n\n"
                + "Change the password after your first login.\n";
    }
}
