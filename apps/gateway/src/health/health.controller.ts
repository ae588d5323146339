import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { BrokerPublisher } from '@app/messaging';
import { RequestStore } from '@app/persistence';

/** Liveness (the process answers) and readiness (broker and database reachable). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly broker: BrokerPublisher,
    private readonly store: RequestStore,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const check = this.indicator.check('broker');
        return this.broker.connected ? check.up() : check.down({ message: 'not connected' });
      },
      async () => {
        const check = this.indicator.check('database');
        try {
          await this.store.ping();
          return check.up();
        } catch (error) {
          return check.down({ message: (error as Error).message });
        }
      },
    ]);
  }
}
