import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * `docker compose up` must run beside the local RabbitMQ and Postgres the quick
 * start expects (5672, 5432): the compose file never publishes those host ports,
 * and the README says where the stack's own ports are.
 */
const ROOT = join(__dirname, '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { ports?: string[] }> };

/** `[ip:]host:container` → the host side: its address (all interfaces when absent) and port. */
function published(entry: string): { address: string; port: number } {
  const parts = String(entry).split(':');
  return parts.length === 3 ? { address: parts[0], port: Number(parts[1]) } : { address: '0.0.0.0', port: Number(parts[0]) };
}

const hostPorts = Object.entries(compose.services).flatMap(([service, { ports = [] }]) => ports.map((entry) => ({ service, ...published(entry) })));

describe('docker-compose.yml', () => {
  it('publishes neither 5672 nor 5432 on the host (the quick start\'s local RabbitMQ and Postgres)', () => {
    expect(hostPorts.filter(({ port }) => port === 5672 || port === 5432)).toEqual([]);
  });

  it('publishes the gateway on 3001 and everything else on loopback only', () => {
    expect(hostPorts).toContainEqual({ service: 'gateway', address: '0.0.0.0', port: 3001 });
    expect(hostPorts.filter(({ service }) => service !== 'gateway').map(({ address }) => address)).toEqual(hostPorts.filter(({ service }) => service !== 'gateway').map(() => '127.0.0.1'));
  });

  it('the README names every port the stack publishes and says that 5672 and 5432 stay free', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const docker = readme.slice(readme.indexOf('With Docker:'), readme.indexOf('\n\n', readme.indexOf('With Docker:')));
    for (const { port } of hostPorts) expect(docker).toContain(String(port));
    expect(docker).toMatch(/do \*\*not\*\* take the host's 5672 and 5432/);
  });
});
