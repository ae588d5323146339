import { Global, Module } from '@nestjs/common';
import { PresenceModule } from '../presence';
import { CommandMetricsInterceptor } from './command-metrics.interceptor';
import { GatewayMetrics } from './gateway-metrics';
import { MetricsController } from './metrics.controller';

/** `/metrics`, and the one GatewayMetrics the recorder, delivery and socket gateway report to. */
@Global()
@Module({
  imports: [PresenceModule],
  controllers: [MetricsController],
  providers: [GatewayMetrics, CommandMetricsInterceptor],
  exports: [GatewayMetrics, CommandMetricsInterceptor],
})
export class MetricsModule {}
