export { GatewayMetrics } from './gateway-metrics';
export { MetricsModule } from './metrics.module';
export { HealthSampler } from './health-sampler';
