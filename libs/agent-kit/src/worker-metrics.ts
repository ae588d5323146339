import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { StartResult } from './run-registry';

/**
 * An agent worker's figures (PROTOCOL §5 `AGENT_HTTP_PORT`): runs in progress,
 * runs finished by status and broker reconnects. Its own registry, so two
 * workers in one process (tests) do not share counters. No request ids as labels.
 */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  /** Runs counted as in progress: a redelivered start joins its run and must not count it twice. */
  private readonly running = new Set<string>();
  private readonly finished = new Counter({
    name: 'agent_stream_agent_runs_finished_total',
    help: 'Runs this worker ended, by outcome (completed, failed, cancelled; interrupted: handed back to the queue)',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly reconnects = new Counter({
    name: 'agent_stream_agent_broker_reconnects_total',
    help: 'Times this worker connected to the broker again after losing its connection',
    registers: [this.registry],
  });

  constructor(amqp: AmqpConnection) {
    const running = this.running;
    new Gauge({
      name: 'agent_stream_agent_runs_in_progress',
      help: 'Runs this worker is running now',
      registers: [this.registry],
      collect() {
        this.set(running.size);
      },
    });
    // The connection is already up when this is built: every later `connect` is a reconnect.
    amqp.managedConnection.on('connect', () => this.reconnects.inc());
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts a run from its start to its outcome; returns `result` unchanged. */
  track(requestId: string, result: Promise<StartResult>): Promise<StartResult> {
    if (this.running.has(requestId)) return result;
    this.running.add(requestId);
    const count = (outcome: StartResult | 'interrupted') => {
      this.running.delete(requestId);
      // A start acked for a run that had already ended here was counted when it ended.
      if (outcome !== 'already-finished') this.finished.inc({ status: outcome });
    };
    result.then(count, () => count('interrupted'));
    return result;
  }
}
