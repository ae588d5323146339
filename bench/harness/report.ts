import type { DeliveryCounts } from '../load';
import { sumCounts, type GeneratorLoad } from './load-run';
import { fmt, type Measurement, type Scenario } from './scenarios';
import type { ServerKind } from './servers';

/** A generator process at or above this share of a core may be what limits a figure. */
const SATURATED_PERCENT = 90;

export interface RunRecord {
  scenario: Scenario;
  rep: number;
  server: ServerKind;
  measurement: Measurement;
}

/**
 * The one table: per scenario and figure, each repetition's relay and
 * product value, their ratio per repetition, the issue's target, delivery
 * checks summed over the scenario's runs, and the busiest generator process.
 * Markdown, so that it can go into BENCHMARKS.md as printed.
 */
export function renderTable(records: RunRecord[], reps: number): string {
  const header = ['scenario', 'figure', 'relay', 'product', 'product/relay', 'target', 'relay checks', 'product checks', 'busiest generator'];
  const lines: string[][] = [];
  for (const scenario of unique(records.map((r) => r.scenario))) {
    const mine = records.filter((r) => r.scenario === scenario);
    const values = (server: ServerKind, figure: string) =>
      Array.from({ length: reps }, (_, i) => mine.find((r) => r.server === server && r.rep === i + 1)?.measurement.figures[figure]);
    scenario.rows.forEach((row, index) => {
      const [relay, product] = [values('relay', row.figure), values('product', row.figure)];
      const ratios = relay.map((r, i) => (r !== undefined && product[i] !== undefined && r > 0 ? product[i]! / r : undefined));
      const first = index === 0;
      lines.push([
        first ? `(${scenario.key}) ${scenario.title}` : '',
        `${row.label} [${row.unit}]`,
        scenario.servers.includes('relay') ? relay.map(fmt).join(' / ') : '–',
        product.map(fmt).join(' / '),
        scenario.servers.includes('relay') ? ratios.map(ratio).join(' / ') : '–',
        row.target ? `${row.target.text}: ${verdict(relay.map((r, i) => row.target!.met(r, product[i])))}` : '',
        first && scenario.servers.includes('relay') ? checks(mine, 'relay', false) : '',
        first ? checks(mine, 'product', true) : '',
        first ? busiest(mine.flatMap((r) => r.measurement.generators)) : '',
      ]);
    });
  }
  const legend =
    `values: repetition 1 / 2 … (relay and product alternate within a repetition); ` +
    `checks: lost/duplicated/out of order/seq gaps+repeats (+ disconnects, foreign) summed over the scenario's runs`;
  return [row(header), row(header.map(() => '---')), ...lines.map(row)].join('\n') + `\n\n${legend}`;
}

/** Met only when met in every repetition; n/a when a repetition has nothing to judge (e.g. the relay passed no rate). */
function verdict(results: Array<boolean | undefined>): string {
  if (results.some((r) => r === undefined)) return 'n/a';
  return results.every(Boolean) ? 'met' : '**missed**';
}

function checks(records: RunRecord[], server: ServerKind, withSeq: boolean): string {
  const counted = records.filter((r) => r.server === server && r.measurement.counts);
  if (counted.length === 0) return '–';
  const c: DeliveryCounts = sumCounts(counted.map((r) => r.measurement.counts!));
  const extra = [c.disconnects ? `${c.disconnects} disc.` : '', c.foreign ? `${c.foreign} foreign` : ''].filter(Boolean).join(', ');
  return `${c.lost}/${c.duplicates}/${c.outOfOrder}/${withSeq ? c.seqGaps + c.seqRepeats : '–'}${extra ? ` (${extra})` : ''}`;
}

function busiest(generators: GeneratorLoad[]): string {
  if (generators.length === 0) return '–';
  const top = generators.reduce((a, b) => (b.cpuPercent > a.cpuPercent ? b : a));
  return `${top.role} ${top.cpuPercent.toFixed(0)}%${top.cpuPercent >= SATURATED_PERCENT ? ' **SATURATED**' : ''}`;
}

const ratio = (r: number | undefined) => (r === undefined || Number.isNaN(r) ? '–' : r === Infinity ? '∞' : `${fmt(r)}×`);
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const unique = <T>(items: T[]) => [...new Set(items)];
