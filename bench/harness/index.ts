/** The orchestrator's parts: sandbox, servers under test, scenarios, load runs, the table. */
export { OptionsError, parseOptions, USAGE, type Options } from './options';
export { renderTable, type RunRecord } from './report';
export { Sandbox } from './sandbox';
export { FULL, QUICK, SCENARIOS, type Measurement, type Params, type Scenario } from './scenarios';
export { ServerUnderTest } from './servers';
export { runLoad, type LoadResult, type LoadSpec } from './load-run';
export { runCluster, type ClusterSetup } from './cluster';
