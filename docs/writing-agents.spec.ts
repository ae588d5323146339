import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentEventTypes, mapAgentEvent, StartRequestCommand, validateKnownFields } from '@app/contracts';
import { agentEventMessageOf, AsyncApiSpec } from '../test/support/asyncapi';
import { includedExample, jsonBlocksOf } from '../test/support/guide';

/** The guide's code and JSON are the real thing: the example is the file the e2e test runs, the JSON is usable. */
describe('docs/writing-agents.md', () => {
  it('includes docs/examples/research-agent.ts byte for byte', () => {
    const { path, block, file } = includedExample();
    expect(path).toBe('docs/examples/research-agent.ts');
    expect(block).toBe(file);
  });

  it("has one raw JSON body per agent event type, each usable by the gateway and valid against the AsyncAPI schemas", () => {
    const spec = new AsyncApiSpec();
    const blocks = jsonBlocksOf('Agents in other languages');
    const bodies = blocks.filter((b) => typeof b.type === 'string');
    const { progressSuffix, outputSuffix, ...exact } = AgentEventTypes;
    const kind = (type: string) => [progressSuffix, outputSuffix].find((suffix) => type.endsWith(suffix)) ?? type;
    expect(bodies.map((b) => kind(b.type)).sort()).toEqual([progressSuffix, outputSuffix, ...Object.values(exact)].sort());
    for (const body of bodies) {
      expect(() => mapAgentEvent(body, 'x')).not.toThrow();
      expect(body.eventId).toEqual(expect.any(String));
      expect(spec.payloadErrors(agentEventMessageOf(body.type), body)).toEqual([]);
    }
    expect(new Set(bodies.map((b) => b.eventId)).size).toBe(bodies.length);
    expect(bodies.at(-1)?.type).toBe(AgentEventTypes.requestCompleted); // events after it would be dropped
  });

  it('shows a request.start body the agent kit accepts', () => {
    const [start] = jsonBlocksOf('Agents in other languages').filter((b) => b.type === undefined);
    expect(() => validateKnownFields(StartRequestCommand, start)).not.toThrow();
    expect(new AsyncApiSpec().payloadErrors('requestStart', start)).toEqual([]);
  });

  it('is linked from the README section "Writing an agent"', () => {
    const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Writing an agent'), readme.indexOf('\n## ', readme.indexOf('## Writing an agent') + 1));
    expect(section).toContain('](docs/writing-agents.md)');
  });
});
