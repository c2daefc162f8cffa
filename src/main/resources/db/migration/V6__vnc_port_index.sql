-- Creating a server takes the next VNC port as MAX(vnc_port) over its hypervisor's servers.
-- This index lets the database read that maximum without reading every server of the host.
CREATE INDEX server_hypervisor_vnc_port ON server (hypervisor_id, vnc_port);
