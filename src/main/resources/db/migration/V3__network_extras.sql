-- Per-server settings that the server view shows with its row: the interface's IP filter
-- whitelist and the custom libvirt XML fragments (both JSON), and the backup plan. Monthly
-- traffic counters get a table of their own.
ALTER TABLE server ADD COLUMN ip_whitelist VARCHAR(20000) NOT NULL DEFAULT '[]';
ALTER TABLE server ADD COLUMN custom_xml VARCHAR(700000) NOT NULL DEFAULT '{}';
ALTER TABLE server ADD COLUMN backup_plan_id BIGINT;

-- Bytes received and sent per server and traffic period (periods start on the server's creation day).
CREATE TABLE server_traffic (
    server_id     BIGINT NOT NULL REFERENCES server (id),
    period_start  DATE NOT NULL,
    rx_bytes      BIGINT NOT NULL DEFAULT 0,
    tx_bytes      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (server_id, period_start)
);
