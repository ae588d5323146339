import type { AdminHealthSummary } from '@app/contracts';
import { byId, h } from '../dom';
import type { AdminClient } from './admin-client';
import { Poller } from './poller';

const REFRESH_MS = 5000;
const REASONS_SHOWN = 3;

/** A line through the values, scaled to the highest; an empty series draws nothing. */
export function drawSparkline(svg: SVGSVGElement, values: number[]): void {
  const [width, height] = [120, 28];
  const max = Math.max(...values, 0);
  // One value (the first interval after start) still reads as a level.
  const series = values.length === 1 ? [values[0], values[0]] : values;
  const points = series.map((v, i) => `${(i / (series.length - 1)) * width},${height - 2 - (max > 0 ? (v / max) * (height - 4) : 0)}`);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.replaceChildren(...(values.length > 0 ? [line] : []));
}

function show(cardId: string, value: string, unit?: string, series?: number[], state: 'ok' | 'warn' = 'ok'): void {
  const card = byId(cardId);
  card.dataset.state = state;
  card.querySelector('.figure-value')!.textContent = value;
  if (unit !== undefined) card.querySelector('.figure-unit')!.textContent = unit;
  const svg = card.querySelector<SVGSVGElement>('svg.spark');
  if (svg && series) drawSparkline(svg, series);
}

/**
 * Health at a glance, from the gateway's own metrics (`GET /admin/health`):
 * figures over the last minute, sparklines over the last five, the last
 * dead-letter reasons. Another gateway has its own figures.
 */
export class HealthStrip {
  private readonly poller = new Poller(() => this.load(), REFRESH_MS);

  constructor(private readonly api: AdminClient) {}

  start(): void {
    this.poller.start();
  }

  refresh(): Promise<void> {
    return this.poller.now();
  }

  private async load(): Promise<void> {
    try {
      this.render(await this.api.health());
    } catch (error) {
      byId('health-note').textContent = `Health not updated: ${(error as Error).message}`;
    }
  }

  private render(summary: AdminHealthSummary): void {
    const series = summary.series;
    show('health-recorded', String(summary.eventsRecordedPerSecond), '/s', series.map((s) => s.eventsRecordedPerSecond));
    show(
      'health-latency',
      summary.deliveryLatencyP99Ms === null ? '–' : String(Math.round(summary.deliveryLatencyP99Ms)),
      summary.deliveryLatencyP99Ms === null ? 'no delivery lately' : 'ms',
      series.map((s) => s.deliveryLatencyP99Ms ?? 0),
      (summary.deliveryLatencyP99Ms ?? 0) > 1000 ? 'warn' : 'ok',
    );
    show('health-dead', String(summary.deadLetteredTotal), 'since start', undefined, summary.deadLetteredTotal > 0 ? 'warn' : 'ok');
    byId('health-dead').querySelector('.reasons')!.replaceChildren(
      ...summary.recentDeadLetters.slice(0, REASONS_SHOWN).map((d) =>
        h('li', { title: `${d.at} · ${d.routingKey}` }, h('time', { datetime: d.at }, new Date(d.at).toLocaleTimeString()), ' ', d.reason),
      ),
    );
    const hooks = summary.webhooks;
    if (hooks) show('health-webhooks', String(hooks.failed), `given up · ${hooks.ok} delivered · ${hooks.retry} retried`, series.map((s) => s.webhooksFailed), hooks.failed > 0 ? 'warn' : 'ok');
    else show('health-webhooks', '–', 'no webhook metric on this gateway', []);
    byId('health-note').textContent = `This gateway (${summary.instanceId.slice(0, 8)}), last ${summary.windowSeconds} s; lines: 5 s samples over the last 5 min.`;
  }
}
