/**
 * Gauges a gateway reports with its heartbeat (GET /admin/instances), by
 * metric name. Any other `agent_stream_*` gauge it has shows up beside them.
 * A file of its own: the console's browser bundle imports it.
 */
export const InstanceGaugeNames = {
  connectedSockets: 'agent_stream_connected_sockets',
  watchedRequests: 'agent_stream_watched_requests',
  ingestShardsHeld: 'agent_stream_ingest_shards_held',
} as const;
