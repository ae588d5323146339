/**
 * Scenario (g) streams text, and an `output` message carries no `data`: the
 * event's counter and publish time travel in the delta itself, as a short
 * token (`<n>@<sentAt> `, about the size of an LLM's token).
 */
export function outputStamp(n: number, sentAt: number): string {
  return `${n}@${sentAt.toFixed(2)} `;
}

/** The counter and publish time of a stamped delta; undefined fields when it is not one. */
export function readOutputStamp(delta: string): { n?: number; sentAt?: number } {
  const match = /^(\d+)@(\d+(?:\.\d+)?) $/.exec(delta);
  return match ? { n: Number(match[1]), sentAt: Number(match[2]) } : {};
}
