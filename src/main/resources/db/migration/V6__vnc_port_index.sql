-- The next free VNC port of a hypervisor is MAX(vnc_port) over its servers; with this index
-- creating a server no longer reads every server of the host.
CREATE INDEX server_hypervisor_vnc_port ON server (hypervisor_id, vnc_port);
