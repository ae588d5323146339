/** What every bench process shares: clock, latency histogram, /proc readings, child processes. (`server-preload` is loaded by path, never imported.) */
export { sleep, wallNow } from './clock';
export { LatencyHistogram, type HistogramData } from './latency-histogram';
export { CpuMeter, NamedCpuMeter, cpuSecondsOf, ownCpuSeconds, rssBytesOf } from './proc-usage';
export { LoadProcess, benchScript, spawnServer, stopAllChildren, stopChild } from './child-processes';
export { exitWithParent } from './exit-with-parent';
