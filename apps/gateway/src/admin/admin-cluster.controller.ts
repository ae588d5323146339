import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminHealthSummary, AdminInstancesView } from '@app/contracts';
import { AdminOnly } from './admin-only.decorator';
import { AdminCluster } from './admin-cluster.service';

/** What the operator console's cluster and health views read (docs/protocol.md §3). */
@ApiTags('admin')
@AdminOnly()
@Controller('admin')
export class AdminClusterController {
  constructor(private readonly cluster: AdminCluster) {}

  @Get('instances')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Gateway instances and agent workers',
    description:
      'Every gateway heard from within PRESENCE_STALE_MS, with the gauges of its last presence report (sockets, watched requests, ingest shards held…), how many agent workers consume the start queue, and the agent workers heard from lately (their heartbeats on `agent-stream.agent-workers`) with the workflows each serves.',
  })
  @ApiOkResponse({ type: AdminInstancesView })
  instances(): Promise<AdminInstancesView> {
    return this.cluster.instances();
  }

  @Get('health')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "This instance's health at a glance",
    description:
      'From its own metrics: events recorded per second and delivery latency p99 over the last minute, dead letters (with the last reasons), webhook deliveries, and 5 s samples of the last 5 minutes for sparklines.',
  })
  @ApiOkResponse({ type: AdminHealthSummary })
  health(): Promise<AdminHealthSummary> {
    return this.cluster.healthSummary();
  }
}
