import { Global, Module } from '@nestjs/common';
import { PresenceModule } from '../presence';
import { GatewayMetrics } from './gateway-metrics';
import { MetricsController } from './metrics.controller';

/** `/metrics`, and the one GatewayMetrics the recorder, delivery and socket gateway report to. */
@Global()
@Module({
  imports: [PresenceModule],
  controllers: [MetricsController],
  providers: [GatewayMetrics],
  exports: [GatewayMetrics],
})
export class MetricsModule {}
