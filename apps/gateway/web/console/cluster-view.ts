import type { AdminInstancesView, AgentWorkerInstanceView, GatewayInstanceView } from '@app/contracts';
import { InstanceGaugeNames } from '@app/contracts/instance-gauges';
import { byId, h, timeAgo } from '../dom';
import type { AdminClient } from './admin-client';
import { Poller } from './poller';

const REFRESH_MS = 3000;

/** Columns for the gauges we know; any other `agent_stream_*` gauge a gateway reports gets a column named after it. */
const KNOWN_GAUGES: Array<[string, string]> = [
  [InstanceGaugeNames.connectedSockets, 'Sockets'],
  [InstanceGaugeNames.watchedRequests, 'Watched requests'],
  [InstanceGaugeNames.ingestShardsHeld, 'Ingest shards held'],
];

function gaugeLabel(name: string): string {
  const known = KNOWN_GAUGES.find(([metric]) => metric === name);
  return known ? known[1] : name.replace(/^agent_stream_/, '').replace(/_/g, ' ');
}

/** The gateways presence knows of, each with its gauges, the agent workers on the start queue, and those that announced themselves with their workflows. */
export class ClusterView {
  private readonly poller = new Poller(() => this.load(), REFRESH_MS);

  constructor(private readonly api: AdminClient) {}

  start(): void {
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  private async load(): Promise<void> {
    try {
      this.render(await this.api.instances());
      byId('cluster-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      byId('cluster-updated').textContent = `Not updated: ${(error as Error).message}`;
    }
  }

  private render(view: AdminInstancesView): void {
    // Known gauges first (shards only once some gateway reports them), then any others, alphabetically.
    const reported = new Set(view.items.flatMap((i) => Object.keys(i.gauges)));
    const gauges = [...KNOWN_GAUGES.map(([name]) => name).filter((name) => reported.has(name)), ...[...reported].filter((n) => !KNOWN_GAUGES.some(([k]) => k === n)).sort()];
    const table = byId('instances');
    table.querySelector('thead')!.replaceChildren(
      h('tr', {}, h('th', { scope: 'col' }, 'Instance'), h('th', { scope: 'col' }, 'Up since'), h('th', { scope: 'col' }, 'Last report'), ...gauges.map((g) => h('th', { scope: 'col', class: 'num' }, gaugeLabel(g))), h('th', { scope: 'col', class: 'num' }, 'Watching sockets')),
    );
    table.querySelector('tbody')!.replaceChildren(...view.items.map((instance) => instanceRow(instance, gauges)));
    const workers = view.agentWorkers;
    byId('agent-workers').textContent = workers
      ? `${workers.consumers} agent ${workers.consumers === 1 ? 'worker takes' : 'workers take'} starts from ${workers.queue}; ${workers.ready} ${workers.ready === 1 ? 'start is' : 'starts are'} waiting for one.`
      : 'The broker cannot say now how many agent workers there are.';
    byId('agent-workers').dataset.consumers = String(workers?.consumers ?? '');
    byId('workers').querySelector('tbody')!.replaceChildren(...view.workers.map(workerRow));
    byId('workers-none').hidden = view.workers.length > 0;
  }
}

function secondsAgo(at: string): string {
  return `${Math.max(0, Math.round((Date.now() - Date.parse(at)) / 1000))} s ago`;
}

function workerRow(worker: AgentWorkerInstanceView): HTMLElement {
  return h(
    'tr',
    { 'data-worker-id': worker.workerId },
    h(
      'th',
      { scope: 'row' },
      h('code', { title: worker.workerId }, worker.workerId.slice(0, 8)),
      h('span', { class: 'muted' }, ` ${worker.host}:${worker.pid}`),
      worker.state === 'draining' ? h('span', { class: 'tag draining', title: 'shutting down: takes no more starts, finishing its runs' }, 'draining') : null,
    ),
    h(
      'td',
      { class: 'workflows' },
      ...worker.workflows.map((w) => h('span', { class: w.default ? 'workflow default' : 'workflow', 'data-workflow': w.name ?? '' }, w.name ?? '(unnamed)')),
    ),
    h('td', { class: 'num' }, String(worker.runsInProgress)),
    h('td', { title: worker.startedAt }, timeAgo(worker.startedAt)),
    h('td', { title: worker.heartbeatAt }, secondsAgo(worker.heartbeatAt)),
  );
}

function instanceRow(instance: GatewayInstanceView, gauges: string[]): HTMLElement {
  return h(
    'tr',
    { 'data-instance-id': instance.instanceId, class: instance.self ? 'self' : '' },
    h('th', { scope: 'row' }, h('code', { title: instance.instanceId }, instance.instanceId.slice(0, 8)), instance.self ? h('span', { class: 'tag' }, 'this console’s gateway') : null),
    h('td', { title: instance.startedAt }, timeAgo(instance.startedAt)),
    h('td', { title: instance.heartbeatAt }, secondsAgo(instance.heartbeatAt)),
    ...gauges.map((g) => h('td', { class: 'num', 'data-gauge': g }, instance.gauges[g] === undefined ? '–' : String(instance.gauges[g]))),
    h('td', { class: 'num' }, String(instance.watchingSockets)),
  );
}
