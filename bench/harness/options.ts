/** `npm run bench -- [--quick] [--only a,e] [--steps K] [--profile] [--gateways N --shards S]` */
export interface Options {
  quick: boolean;
  /** Scenario keys to run; all when empty. */
  only: Set<string>;
  /** Distinct steps per request in (a), (b), (c), (f); 0 = every event a new step. (e) always uses a new step per event. */
  steps: number;
  /** Run the servers with `node --cpu-prof` (profiles in the bench's work folder). */
  profile: boolean;
  /** Events per second in (e) instead of the default (4,000). */
  longRate?: number;
  /** Concurrent streams in (g) instead of the default (200). */
  streams?: number;
  /** Above 1: the cluster run (bench/harness/cluster.ts) instead of the scenarios: N gateway processes. */
  gateways: number;
  /** INGEST_SHARDS of the cluster run's gateways. */
  shards: number;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only a,b,c,d,e,f,g] [--steps K] [--long-rate N] [--streams N] [--profile] [--gateways N --shards S]
  --quick     short windows, one repetition, fewer connections and events (under 3 minutes)
  --only      run these scenarios only (comma-separated keys)
  --steps K   cycle K distinct steps per request in (a), (b), (c), (f) instead of a new step per event
  --long-rate N  events/s over all requests in (e) (default 4000)
  --streams N concurrent streams in (g), each 25 deltas/s (default 200)
  --profile   run both servers with node --cpu-prof
  --gateways N  the cluster run instead of the scenarios: N gateway processes (each with its own watchers)
                against one gateway and the relay, same load (see BENCHMARKS.md "Cluster")
  --shards S    INGEST_SHARDS for the cluster run's gateways (default: 2 × gateways)`;

export class OptionsError extends Error {}

function positiveInteger(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new OptionsError(`${flag} takes a positive integer; got '${text ?? ''}'\n${USAGE}`);
  return value;
}

export function parseOptions(argv: string[], scenarioKeys: string[]): Options {
  const options: Options = { quick: false, only: new Set(), steps: 0, profile: false, gateways: 1, shards: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help') throw new OptionsError(USAGE);
    else if (arg === '--quick') options.quick = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--only') {
      const keys = (argv[++i] ?? '').split(',').map((k) => k.trim().toLowerCase()).filter(Boolean);
      const unknown = keys.filter((k) => !scenarioKeys.includes(k));
      if (keys.length === 0 || unknown.length > 0) throw new OptionsError(`--only takes scenario keys among ${scenarioKeys.join(',')}; got '${argv[i] ?? ''}'\n${USAGE}`);
      keys.forEach((k) => options.only.add(k));
    } else if (arg === '--steps') options.steps = positiveInteger(arg, argv[++i]);
    else if (arg === '--long-rate') options.longRate = positiveInteger(arg, argv[++i]);
    else if (arg === '--streams') options.streams = positiveInteger(arg, argv[++i]);
    else if (arg === '--gateways') options.gateways = positiveInteger(arg, argv[++i]);
    else if (arg === '--shards') options.shards = positiveInteger(arg, argv[++i]);
    else throw new OptionsError(`unknown argument '${arg}'\n${USAGE}`);
  }
  if (options.shards > 256) throw new OptionsError(`--shards takes at most 256 (INGEST_SHARDS); got ${options.shards}\n${USAGE}`);
  if (options.shards === 0) options.shards = options.gateways > 1 ? 2 * options.gateways : 1;
  return options;
}
