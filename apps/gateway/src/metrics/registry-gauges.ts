import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { InstanceGaugeSource } from '../presence';
import { GatewayMetrics } from './gateway-metrics';

const OWN_METRIC_PREFIX = 'agent_stream_';

/**
 * This instance's own gauges for the presence report, whoever registered
 * them in its registry (sockets, watched requests, ingest shards held, …),
 * labels summed.
 */
@Injectable()
export class RegistryGauges implements InstanceGaugeSource {
  constructor(private readonly metrics: GatewayMetrics) {}

  async readGauges(): Promise<Record<string, number>> {
    const gauges: Record<string, number> = {};
    for (const metric of this.metrics.registry.getMetricsAsArray()) {
      if (!(metric instanceof Gauge) || !metric.name.startsWith(OWN_METRIC_PREFIX)) continue;
      const { values } = await metric.get();
      gauges[metric.name] = values.reduce((sum, v) => sum + v.value, 0);
    }
    return gauges;
  }
}
