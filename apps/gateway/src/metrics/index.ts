export { GatewayMetrics } from './gateway-metrics';
export { CommandMetricsInterceptor } from './command-metrics.interceptor';
export { MetricsModule } from './metrics.module';
export { HealthSampler } from './health-sampler';
