-- Scheduled queue items (a deletion after its grace period), CPU throttling, and whether an
-- unsuspend should boot the server again.
ALTER TABLE queue_item ADD COLUMN not_before TIMESTAMP WITH TIME ZONE;
ALTER TABLE server ADD COLUMN cpu_throttle INT NOT NULL DEFAULT 0;
ALTER TABLE server ADD COLUMN resume_on_unsuspend BOOLEAN NOT NULL DEFAULT FALSE;
