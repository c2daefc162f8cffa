-- A worker about to claim an item counts the running items of the item's hypervisor. Through
-- the foreign key's index on hypervisor_id alone, that count read every item the hypervisor
-- ever had, finished ones included. This index lets it read only the running ones.
CREATE INDEX queue_item_hypervisor_status ON queue_item (hypervisor_id, status);
