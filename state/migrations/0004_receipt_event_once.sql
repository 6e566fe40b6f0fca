-- One receipt per Shopify event: the database enforces what ingress checked with a lookup, so
-- storing a webhook is one INSERT … ON CONFLICT DO NOTHING. Ingress never stored an event twice;
-- should a copy exist anyway, the later row keeps its body but no longer claims the event id.
UPDATE receipts SET event_id = NULL
 WHERE event_id IS NOT NULL
   AND id NOT IN (SELECT min(id) FROM receipts WHERE event_id IS NOT NULL GROUP BY source, event_id);
DROP INDEX receipts_event;
CREATE UNIQUE INDEX receipts_event_once ON receipts(source, event_id) WHERE event_id IS NOT NULL;
