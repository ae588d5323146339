import { appendFileSync } from 'node:fs';
import { connectAs } from '../../support/gateway-harness';
import type { RecoveringClient } from './recovering-client';

/** What one client saw of one request, against what the log holds. */
export interface StreamFigures {
  /** Seqs in 1..last the client never received. */
  lost: number;
  /** Arrivals of a seq it already had. */
  duplicated: number;
  /** Arrivals of a seq lower than one it already had (not counting duplicates). */
  reordered: number;
  /** `request.completed` messages received (duplicates included). */
  completed: number;
  /** The request's last seq, read afresh from a gateway. */
  lastSeq: number;
}

export function countStream(arrivals: number[], lastSeq: number, completed: number): StreamFigures {
  const seen = new Set<number>();
  let duplicated = 0;
  let reordered = 0;
  let highest = 0;
  for (const seq of arrivals) {
    if (seen.has(seq)) {
      duplicated++;
      continue;
    }
    if (seq < highest) reordered++;
    seen.add(seq);
    highest = Math.max(highest, seq);
  }
  let lost = 0;
  for (let seq = 1; seq <= lastSeq; seq++) if (!seen.has(seq)) lost++;
  return { lost, duplicated, reordered, completed, lastSeq };
}

/** The figures for a recovering client, with the request's last seq asked of a gateway by a fresh connection. */
export async function figuresOf(client: RecoveringClient, url: string): Promise<StreamFigures> {
  const fresh = await connectAs(url, client.userId);
  try {
    const ack = await fresh.ack('rejoin', { requestId: client.requestId });
    if (!ack.ok) throw new Error(`rejoin for the figures failed: ${JSON.stringify(ack)}`);
    return countStream(client.arrivals, ack.seq, client.completions().length);
  } finally {
    fresh.close();
  }
}

/** Keeps a fault's figures for the summary the fault suite prints at the end (and the README's table). */
export function reportFault(fault: string, figures: StreamFigures & Record<string, number | string | boolean>): void {
  const file = process.env.FAULT_REPORT_FILE;
  if (file) appendFileSync(file, `${JSON.stringify({ fault, ...figures })}\n`);
}

/** The assertion every fault test ends with. */
export function expectExactlyOnce(figures: StreamFigures): void {
  expect({ lost: figures.lost, duplicated: figures.duplicated, reordered: figures.reordered, completed: figures.completed }).toEqual({
    lost: 0,
    duplicated: 0,
    reordered: 0,
    completed: 1,
  });
  expect(figures.lastSeq).toBeGreaterThan(0);
}
