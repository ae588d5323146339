import { Global, Module } from '@nestjs/common';
import { InstanceGaugeSource, PresenceModule } from '../presence';
import { GatewayMetrics } from './gateway-metrics';
import { HealthSampler } from './health-sampler';
import { MetricsController } from './metrics.controller';
import { RegistryGauges } from './registry-gauges';

/** `/metrics`, and the one GatewayMetrics the recorder, delivery and socket gateway report to. */
@Global()
@Module({
  imports: [PresenceModule],
  controllers: [MetricsController],
  providers: [GatewayMetrics, HealthSampler, { provide: InstanceGaugeSource, useClass: RegistryGauges }],
  exports: [GatewayMetrics, HealthSampler, InstanceGaugeSource],
})
export class MetricsModule {}
