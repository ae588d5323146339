export { GatewayMetrics } from './gateway-metrics';
export { MetricsModule } from './metrics.module';
