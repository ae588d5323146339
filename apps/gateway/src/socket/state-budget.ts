import { jsonByteLength, type StateMessage } from '@app/contracts';

/** Keys of a step summary that say what the step is; every other key is agent-supplied content that may be left out. */
const STEP_IDENTITY = new Set(['agent', 'step', 'stepId', 'status', 'outputTruncated']);

interface Omittable {
  path: string;
  bytes: number;
  drop: () => void;
}

/** Agent-supplied values of the snapshot (not the replay), each with a way to leave it out. */
function omittableValues(state: StateMessage): Omittable[] {
  const values: Omittable[] = [];
  const add = (holder: Record<string, unknown>, key: string, path: string) => {
    if (holder[key] === undefined) return;
    // A step's streamed text left out is an incomplete text: say so the way docs/protocol.md §1 does.
    const drop = () => {
      delete holder[key];
      if (key === 'output') holder.outputTruncated = true;
    };
    values.push({ path, bytes: jsonByteLength(holder[key]), drop });
  };
  state.agents.forEach((agent, i) => add(agent as unknown as Record<string, unknown>, 'data', `agents[${i}].data`));
  state.steps.forEach((step, i) => {
    for (const key of Object.keys(step)) if (!STEP_IDENTITY.has(key)) add(step as unknown as Record<string, unknown>, key, `steps[${i}].${key}`);
  });
  add(state as unknown as Record<string, unknown>, 'result', 'result');
  add(state as unknown as Record<string, unknown>, 'error', 'error');
  return values;
}

/**
 * A `state` that fits in `maxBytes` of JSON, so that no recorded history can
 * make a `state` unbounded (a watcher dropped, a `rejoin` left without its ack).
 * In this order, until it fits: the oldest replayed events are left out
 * (`truncated: true`: the snapshot stands for them); then the largest
 * agent-supplied values of the snapshot (agents' `data`, steps' results,
 * errors, tools, output; the run's `result` / `error`), each named in
 * `omitted`; then the oldest steps (`omitted` names the range). The full
 * history stays in the log (admin API `GET /admin/requests/:id/events`).
 * Mutates and returns `state`.
 */
export function fitState(state: StateMessage, maxBytes: number): StateMessage {
  let size = jsonByteLength(state);
  if (size <= maxBytes) return state;
  if (state.events && state.events.length > 0) {
    const sizes = state.events.map((event) => jsonByteLength(event) + 1);
    let dropped = 0;
    while (size > maxBytes && dropped < sizes.length) size -= sizes[dropped++];
    state.events = state.events.slice(dropped);
    state.truncated = true;
    size = jsonByteLength(state);
  }
  const omitted: string[] = [];
  for (const value of omittableValues(state).sort((a, b) => b.bytes - a.bytes)) {
    if (size <= maxBytes) break;
    value.drop();
    omitted.push(value.path);
    // What leaving it out saves, less its path in `omitted` (estimated: the exact size is measured below).
    size += jsonByteLength(value.path) + 1 - value.bytes - value.path.length;
  }
  size = jsonByteLength(state) + jsonByteLength(omitted) + 12;
  if (size > maxBytes) {
    const sizes = state.steps.map((step) => jsonByteLength(step) + 1);
    let dropped = 0;
    while (size > maxBytes && dropped < sizes.length) size -= sizes[dropped++];
    state.steps = state.steps.slice(dropped);
    omitted.push(`steps[0..${dropped - 1}]`);
  }
  if (omitted.length > 0) state.omitted = omitted;
  return state;
}
