import { CommandError, DEMO_DEFAULTS, DemoOptions, validatePayload } from '@app/contracts';

/** `context.demo` with the defaults filled in. */
export type DemoKnobs = { [K in keyof typeof DEMO_DEFAULTS]: number } & Pick<DemoOptions, 'failAtStep' | 'askAtStep'>;

export interface PlanStep {
  stepOrder: number;
  stepId: string;
  title: string;
  tool: string;
}

/** Reads `context.demo` (docs/protocol.md §4); throws an error naming each bad knob. */
export function readDemoKnobs(context: Record<string, unknown>): DemoKnobs {
  const raw = context.demo ?? {};
  let options: DemoOptions;
  try {
    options = validatePayload(DemoOptions, raw);
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const reasons = (error.details ?? []).map((d) => (d.field === '(payload)' ? 'it must be an object' : d.reasons.join('; ')));
    throw new Error(`invalid context.demo: ${reasons.join('; ')}`);
  }
  return { ...DEMO_DEFAULTS, ...stripUndefined(options) };
}

const TOOLS: Array<{ tool: string; title: (topic: string) => string }> = [
  { tool: 'web.search', title: (topic) => `Search the web for "${topic}"` },
  { tool: 'docs.read', title: () => 'Read the most relevant sources' },
  { tool: 'data.query', title: () => 'Query the figures behind them' },
  { tool: 'code.run', title: () => 'Run an analysis on the figures' },
  { tool: 'text.summarize', title: () => 'Summarise the findings' },
];

/** The query shortened for step titles. By code points: cutting UTF-16 units could split an emoji into a lone surrogate. */
export function topicOf(userQuery: string): string {
  const chars = Array.from(userQuery);
  return chars.length > 40 ? `${chars.slice(0, 39).join('')}…` : userQuery;
}

export function makePlan(userQuery: string, steps: number): PlanStep[] {
  const topic = topicOf(userQuery);
  return Array.from({ length: steps }, (_, i) => {
    const { tool, title } = TOOLS[i % TOOLS.length];
    return { stepOrder: i + 1, stepId: `step-${i + 1}`, title: title(topic), tool };
  });
}

/** What the pretend tool "returns": deterministic, so a re-run after a crash reports the same. */
export function simulateTool(step: PlanStep, answer?: string): Record<string, unknown> {
  const output = `${step.tool} finished "${step.title}"${answer === undefined ? '' : ` (as asked: ${answer})`}`;
  return { output };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
