/**
 * Where the presence report reads this instance's own gauges (sockets, watched
 * requests, ingest shards held…), written beside its heartbeat so that any
 * gateway can show the whole cluster. The metrics module provides it.
 */
export abstract class InstanceGaugeSource {
  /** Current value of each gauge, by metric name (labels summed). */
  abstract readGauges(): Promise<Record<string, number>>;
}
