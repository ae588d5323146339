import { existsSync, readFileSync, rmSync } from 'node:fs';
import removeRunResources from '../../support/global-teardown';
import { removeBuild } from '../../support/gateway-process';

/** Prints every fault's figures (the README's Reliability table is made from these), then cleans up. */
export default async function faultsGlobalTeardown(): Promise<void> {
  const file = process.env.FAULT_REPORT_FILE;
  if (file && existsSync(file)) {
    const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    process.stdout.write(`\nfault figures (as seen by each recovering client):\n${rows.map((row) => `  ${JSON.stringify(row)}`).join('\n')}\n`);
    rmSync(file, { force: true });
  }
  removeBuild(process.env.TEST_BUILD_DIR);
  if (process.env.FAULTS_OWN_RUN_RESOURCES) await removeRunResources();
}
