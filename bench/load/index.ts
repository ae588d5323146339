/**
 * The load processes are entry points of their own (`publisher.js`,
 * `watchers.js`, `rejoin-prober.js`, started by the orchestrator); what the
 * orchestrator imports is the IPC contract.
 */
export type * from './protocol';
