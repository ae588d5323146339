import { tmpdir } from 'node:os';
import { join } from 'node:path';
import runResources from '../../support/global-setup';
import { buildApps } from '../../support/gateway-process';

/**
 * The fault suite runs the apps as OS processes (to kill them), built once
 * here. It uses the run's vhost and database when the e2e project already
 * made them (one `npm test`), or makes its own.
 */
export default async function faultsGlobalSetup(): Promise<void> {
  if (!process.env.TEST_VHOST) {
    await runResources();
    process.env.FAULTS_OWN_RUN_RESOURCES = '1';
  }
  process.env.TEST_BUILD_DIR = buildApps();
  process.env.FAULT_REPORT_FILE = join(tmpdir(), `agent-stream-faults-${process.pid}-${Date.now()}.jsonl`);
}
