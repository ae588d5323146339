import { CommandError, DEMO_DEFAULTS, DemoOptions, validatePayload } from '@app/contracts';

/** `context.demo` with the defaults filled in. */
export type DemoKnobs = { [K in keyof typeof DEMO_DEFAULTS]: number } & Pick<DemoOptions, 'failAtStep' | 'askAtStep' | 'streamAtStep'>;

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

const WORDS = [
  'the', 'agent', 'reads', 'sources', 'and', 'writes', 'a', 'summary', 'of', 'its', 'findings,', 'with', 'figures', 'from',
  'café', 'naïve', 'résumé', 'données', 'über', '— 😀', 'analysis', 'shows', 'that', 'most', 'routes', 'are', 'open.', 'then',
];

/**
 * The text a streaming demo step "writes": `count` tokens (words with a
 * space, a line break every 12), deterministic so a re-run writes the same,
 * with accents and an emoji so that every client's UTF-8 handling is tested.
 */
export function demoTokens(step: PlanStep, count: number): string[] {
  let seed = step.stepOrder;
  return Array.from({ length: count }, (_, i) => {
    // A small linear congruential generator: varied words, the same ones on every run.
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    const word = WORDS[(seed >>> 16) % WORDS.length];
    return i === 0 ? `Step ${step.stepOrder}: ${word}` : (i % 12 === 0 ? '\n' : ' ') + word;
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
