import { ErrorCode } from '@app/contracts';
import type { Expectation } from './fuzz-cases';

const CODES = new Set<string>(Object.values(ErrorCode));
const STACK_TRACE = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\.ts:\d+/;

/** What is wrong with an error body against docs/protocol.md §1 (`{ code, message, details? }`, never INTERNAL, no stack trace); null when nothing. */
export function errorBodyProblem(error: unknown): string | null {
  if (error === null || typeof error !== 'object') return 'error is not an object';
  const { code, message, details, ...rest } = error as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `unexpected fields ${Object.keys(rest).join(', ')}`;
  if (typeof code !== 'string' || !CODES.has(code)) return `unknown code ${String(code)}`;
  if (code === ErrorCode.INTERNAL) return 'INTERNAL';
  if (typeof message !== 'string' || message.length === 0) return 'no message';
  if (STACK_TRACE.test(message)) return 'a stack trace in the message';
  if (details !== undefined) {
    if (!Array.isArray(details)) return 'details is not an array';
    for (const d of details as Array<Record<string, unknown>>) {
      if (typeof d?.field !== 'string' || !Array.isArray(d.reasons) || d.reasons.length === 0 || !d.reasons.every((r) => typeof r === 'string')) return 'a malformed detail';
    }
  }
  return null;
}

const SUCCESS_FIELDS: Record<string, (ack: Record<string, unknown>) => boolean> = {
  start: (a) => typeof a.requestId === 'string' && typeof a.status === 'string' && Object.keys(a).length === 3,
  cancel: (a) => typeof a.status === 'string' && Object.keys(a).length === 2,
  feedback: (a) => Object.keys(a).length === 1,
  rejoin: (a) => Number.isInteger(a.seq) && (a.seq as number) >= 0 && Object.keys(a).length === 2,
  leave: (a) => Object.keys(a).length === 1,
};

/** What is wrong with a command's ack (docs/protocol.md §1 "Client → server"); null when nothing. */
export function ackProblem(command: string, expected: Expectation, ack: unknown): string | null {
  if (ack === null || typeof ack !== 'object') return 'the ack is not an object';
  const reply = ack as Record<string, unknown>;
  if (reply.ok === true) {
    if (expected !== 'ANY') return `accepted, expected ${expected}`;
    return SUCCESS_FIELDS[command](reply) ? null : `a malformed success ack ${JSON.stringify(reply)}`;
  }
  if (reply.ok !== false || Object.keys(reply).length !== 2) return `a malformed ack ${JSON.stringify(reply).slice(0, 200)}`;
  const problem = errorBodyProblem(reply.error);
  if (problem) return problem;
  const { code } = reply.error as { code: string };
  if (expected !== 'ANY' && code !== expected) return `${code}, expected ${expected}`;
  return null;
}

/** The contract code an HTTP status carries (docs/protocol.md §3 with §1's codes). */
export function codeForStatus(status: number): string {
  if (status === 401 || status === 403) return 'FORBIDDEN';
  if (status === 404 || status === 405) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'UNAVAILABLE';
  return 'VALIDATION_FAILED';
}
