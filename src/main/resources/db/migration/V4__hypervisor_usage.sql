-- Usage per hypervisor: the number of server rows and the sums of their memory_mb, cpu_cores
-- and storage_gb. Every transaction that inserts or deletes a server, or changes one of those
-- columns, updates the row of the server's hypervisor while it has the row locked, so in every
-- committed state the row equals the same GROUP BY over server. Placement, capacity checks,
-- the server view and the server list's total read it instead of the server table.
CREATE TABLE hypervisor_usage (
    hypervisor_id  BIGINT PRIMARY KEY REFERENCES hypervisor (id),
    servers        INT    NOT NULL DEFAULT 0,
    memory_mb      BIGINT NOT NULL DEFAULT 0,
    cpu_cores      BIGINT NOT NULL DEFAULT 0,
    storage_gb     BIGINT NOT NULL DEFAULT 0
);

-- One row for every hypervisor, those without servers included.
INSERT INTO hypervisor_usage (hypervisor_id, servers, memory_mb, cpu_cores, storage_gb)
SELECT hv.id, COUNT(s.id), COALESCE(SUM(s.memory_mb), 0), COALESCE(SUM(s.cpu_cores), 0), COALESCE(SUM(s.storage_gb), 0)
FROM hypervisor hv LEFT JOIN server s ON s.hypervisor_id = hv.id
GROUP BY hv.id;
