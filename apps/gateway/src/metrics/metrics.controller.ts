import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { GatewayMetrics } from './gateway-metrics';

/** Prometheus scrape endpoint: this instance's figures, text format. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  async scrape(): Promise<string> {
    return `${await this.metrics.registry.metrics()}\n${await this.metrics.diagnostics.metrics()}`;
  }
}
