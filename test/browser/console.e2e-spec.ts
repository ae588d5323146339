/// <reference lib="dom" />
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { AdminDeadLetterPage, AdminRequestState } from '@app/contracts';
import { adminToken, http } from '../support/admin-http';
import { screenshot, withBrowser } from '../support/browser';
import { TestBroker } from '../support/broker';
import { connectAs, demoContext, newRequestId, newUser, withGatewayAndAgents } from '../support/gateway-harness';
import type { StreamClient } from '../support/stream-client';
import { mintToken } from '../support/tokens';

/** The README's picture of the console, taken by this test. */
const DOCS_SCREENSHOT = join(__dirname, '..', '..', 'docs', 'console.png');

describe('the operator console in Chromium', () => {
  const running = withGatewayAndAgents();
  const browser = withBrowser();
  const clients: StreamClient[] = [];
  let broker: TestBroker;
  const admin = adminToken('ops-console');

  beforeAll(async () => {
    broker = await TestBroker.connect();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await broker?.close();
  });
  afterEach(() => expect(browser.errors.splice(0)).toEqual([]));

  /** A user starts a demo run through a socket of their own, as a frontend would. */
  async function startRun(userQuery: string, demo: Record<string, number>, owner = newUser('alice')): Promise<string> {
    const requestId = newRequestId('req');
    const client = await connectAs(running.url, owner);
    clients.push(client);
    await client.ack('start', { requestId, userQuery, context: demoContext(demo) });
    return requestId;
  }

  /** Opens the console with the admin token in the fragment, and records every URL the page asks for. */
  async function signIn(token = admin): Promise<{ page: Page; urls: string[] }> {
    const page = await browser.page();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    page.on('websocket', (socket) => urls.push(socket.url()));
    await page.goto(`${running.url}/console#token=${token}`);
    return { page, urls };
  }

  /** What was sent to the server: path and query, never the fragment (which browsers keep to themselves). */
  const sentParts = (urls: string[]) => urls.map((u) => new URL(u)).map((u) => `${u.pathname}${u.search}`);

  const timelineSeqs = (page: Page) => page.$$eval('#timeline li', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.seq)));
  const serverState = async (id: string) => (await http<AdminRequestState>(running.url, `/admin/requests/${id}`)).body;

  it('a token without the admin role is refused with a clear message; so is an expired one', async () => {
    const user = newUser('not-admin');
    const { page, urls } = await signIn(mintToken(user));
    await page.waitForSelector('#sign-in-error:not([hidden])');
    expect(await page.textContent('#sign-in-error')).toContain('no admin role');
    expect(await page.isHidden('#main')).toBe(true);
    expect(page.url()).not.toContain('token=');
    await screenshot(page, 'console-01-not-admin');

    await page.fill('#token-input', mintToken(user, { roles: ['admin'], expiresIn: -10 }));
    await page.press('#token-input', 'Enter');
    await page.waitForFunction(() => document.getElementById('sign-in-error')!.textContent!.includes('expired'));
    expect(await page.isHidden('#main')).toBe(true);
    expect(sentParts(urls).join('\n')).not.toContain(mintToken(user).split('.')[1]);
    browser.errors.splice(0); // the browser logs the refused calls (401, 403)
    await screenshot(page, 'console-02-expired');
    await page.close();
  }, 30_000);

  it('signs in, finds a running request through the filter and watches it finish live, its timeline growing', async () => {
    const marker = newRequestId('zermatt').slice(-8);
    await startRun('Compare EV charging networks in Europe', { steps: 2, stepDelayMs: 100 }, newUser('bob'));
    const requestId = await startRun(`Plan a hiking week near Zermatt ${marker}`, { steps: 5, stepDelayMs: 1200 });

    const { page, urls } = await signIn();
    await page.waitForSelector('#main:not([hidden])');
    expect(page.url()).not.toContain('token=');
    expect(await page.textContent('#signed-in-as')).toBe('Signed in as ops-console');
    await page.waitForSelector('#connection[data-status="live"]');

    await page.fill('#filter-text', `zermatt ${marker}`);
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll<HTMLElement>('#requests tbody tr')];
      return rows.length === 1 && rows[0].dataset.requestId === id;
    }, requestId);
    expect(await page.getAttribute('#requests tbody tr', 'data-status')).toMatch(/queued|running/);
    await page.click(`#requests tbody tr[data-request-id="${requestId}"] a`);
    expect(page.url()).toContain(`#/requests/${requestId}`);
    await page.waitForFunction((id) => document.getElementById('detail-id')!.textContent === id, requestId);
    await page.waitForSelector('#detail-status.badge-running');
    await page.waitForSelector('#detail-steps .step[data-status="running"]');
    const early = await timelineSeqs(page);
    await page.waitForFunction((n) => document.querySelectorAll('#timeline li').length > n + 2, early.length);
    await page.waitForTimeout(700); // bar transitions
    await screenshot(page, 'console-03-running');
    await page.screenshot({ path: DOCS_SCREENSHOT, fullPage: true });

    await page.waitForSelector('#detail-status.badge-completed', { timeout: 20_000 });
    const state = await serverState(requestId);
    // Every recorded event on the timeline, in order; owner and watchers from the admin API.
    const seqs = await timelineSeqs(page);
    expect(seqs.length).toBeGreaterThan(early.length);
    expect(seqs.at(-1)).toBe(state.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(await page.textContent('#timeline li:first-child .event-gap')).toBe('start');
    expect(await page.textContent('#timeline li:last-child .event-type')).toBe('request.completed');
    await page.waitForFunction((owner) => document.getElementById('fact-owner')!.textContent === owner, state.owner);
    expect(Number(await page.textContent('#fact-watchers'))).toBeGreaterThanOrEqual(0);
    expect(await page.$$eval('#detail-steps .step', (rows) => rows.map((r) => (r as HTMLElement).dataset.status))).toEqual(Array(5).fill('completed'));
    expect(await page.textContent('#detail-outcome')).toContain('5 steps');
    // The list follows too, without a reload: the status changed, and a new request that matches appears on top.
    await page.waitForSelector(`#requests tbody tr[data-request-id="${requestId}"][data-status="completed"]`);
    const newer = await startRun(`Zermatt ${marker}, but in winter`, { steps: 1 });
    await page.waitForFunction(
      (ids) => [...document.querySelectorAll<HTMLElement>('#requests tbody tr')].map((r) => r.dataset.requestId).join() === ids.join(),
      [newer, requestId],
      { timeout: 10_000 },
    );
    await page.waitForTimeout(700);
    await screenshot(page, 'console-04-finished');

    // Re-opened later, a finished request shows what it showed live.
    const live = await page.$$eval('#detail-steps .step, #timeline li', (rows) => rows.map((r) => r.textContent));
    await page.reload();
    await page.waitForSelector('#detail-status.badge-completed');
    await page.waitForFunction((n) => document.querySelectorAll('#timeline li').length === n, seqs.length);
    expect(await page.$$eval('#detail-steps .step, #timeline li', (rows) => rows.map((r) => r.textContent))).toEqual(live);

    // Nothing of the token went to the server in a URL.
    const signature = admin.split('.')[2];
    expect(sentParts(urls).filter((u) => u.includes(signature))).toEqual([]);
    await page.close();
  }, 60_000);

  it('cancels a running request, and answers a pending question as admin', async () => {
    const toCancel = await startRun('Index every wiki page', { steps: 20, stepDelayMs: 500 });
    const asking = await startRun('Draft a travel plan, ask me first', { steps: 3, stepDelayMs: 300, askAtStep: 2 });
    const { page } = await signIn();
    await page.waitForSelector('#main:not([hidden])');

    // By keyboard: the id in the search box, then the row's link and Enter.
    await page.fill('#filter-text', toCancel);
    const link = `#requests tbody tr[data-request-id="${toCancel}"] a`;
    await page.waitForSelector(link);
    await page.focus(link);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => document.getElementById('detail-id')!.textContent === id, toCancel);
    await page.click('#copy-id');
    await page.waitForSelector('#toast:not([hidden])');
    // Copied, or (no clipboard permission) selected for Ctrl+C.
    expect(await page.textContent('#toast')).toMatch(new RegExp(`Copied ${toCancel}|Ctrl\\+C`));
    await page.waitForSelector('#detail-steps .step[data-status="completed"]');
    await page.click('#detail-cancel');
    await page.waitForSelector('#detail-status.badge-cancelled', { timeout: 10_000 });
    expect(await page.isHidden('#detail-cancel')).toBe(true);
    expect((await serverState(toCancel)).status).toBe('cancelled');
    expect(await page.textContent('#timeline')).toContain('cancelling');
    await screenshot(page, 'console-05-cancelled');

    await page.goto(`${running.url}/console#/requests/${asking}`);
    await page.waitForSelector('#detail-questions .question');
    expect(await page.textContent('#detail-status')).toBe('Waiting for an answer');
    await page.waitForSelector('#timeline li[data-type="question"]');
    await screenshot(page, 'console-06-question');
    // The operator takes a moment: a pause over the console's 1 s threshold is marked in the timeline (below).
    await page.waitForTimeout(1200);
    await page.click('#detail-questions .option >> text=be brief');
    await page.waitForSelector('#detail-status.badge-completed', { timeout: 15_000 });
    expect(await page.$('#detail-questions .question')).toBeNull();
    // The wait for the answer shows as a gap in the timeline, marked with what the run waited on.
    expect(await page.textContent('#timeline')).toContain('waiting for an answer');
    const state = await serverState(asking);
    expect(JSON.stringify(state.steps.find((s) => s.step === 2))).toContain('be brief');
    await page.waitForTimeout(700); // bar transitions
    await screenshot(page, 'console-07-answered');
    await page.close();
  }, 60_000);

  it('shows a step’s streamed output growing live, and the same text once the run has finished', async () => {
    // About 6 s of text at 40 tokens/s: the first look lands mid-stream even on a loaded machine.
    const requestId = await startRun('Write the release announcement', { steps: 2, stepDelayMs: 200, streamAtStep: 2, tokensPerSecond: 40, streamTokens: 240 });
    const { page } = await signIn();
    await page.goto(`${running.url}/console#/requests/${requestId}`);
    const output = '#detail-steps .step:nth-child(2) .step-output';
    const shown = () => page.evaluate((selector) => document.querySelector(selector)?.textContent ?? '', output);
    await page.waitForFunction((selector) => (document.querySelector(selector)?.textContent ?? '').length > 80, output, { timeout: 15_000 });
    expect(await page.textContent('#detail-status')).toMatch(/running/i);
    const early = await shown();
    await page.waitForFunction(
      ([selector, length]) => (document.querySelector(selector as string)?.textContent ?? '').length > (length as number) + 80,
      [output, early.length],
      { timeout: 15_000 },
    );
    // It grows by appending: what was shown stays, in place.
    expect((await shown()).startsWith(early)).toBe(true);
    await screenshot(page, 'console-08-streaming');

    await page.waitForSelector('#detail-status.badge-completed', { timeout: 30_000 });
    const state = await serverState(requestId);
    const recorded = state.steps.find((s) => s.step === 2)!.output!;
    expect(recorded.length).toBeGreaterThan(early.length);
    await page.waitForFunction(([selector, text]) => document.querySelector(selector)?.textContent === text, [output, recorded]);
    // Opened again after the run, the step shows the same text.
    await page.reload();
    await page.waitForSelector('#detail-status.badge-completed');
    await page.waitForFunction(([selector, text]) => document.querySelector(selector)?.textContent === text, [output, recorded]);
    await page.waitForTimeout(700); // bar transitions
    await screenshot(page, 'console-09-streamed-finished');
    await page.close();
  }, 60_000);

  it('shows a dead-lettered message with its reason and discards it', async () => {
    const marker = newRequestId('dead');
    await broker.publishAgentEvent('executor.step.progress', { type: 'executor.step.progress', requestId: marker, agent: 'stray-agent', data: { status: 'running', step: 1 } });
    const { page } = await signIn();
    await page.waitForSelector('#main:not([hidden])');
    await page.click('#tabs a[data-view="dead-letters"]');
    const card = `.dead-letter:has-text("${marker}")`;
    await page.waitForSelector(card);
    expect(await page.textContent(`${card} .dead-reason`)).toContain(`unknown request '${marker}'`);
    expect(await page.textContent(`${card} .dead-facts`)).toContain('executor.step.progress');
    // The health strip counts it, with its reason.
    await page.waitForFunction((m) => document.querySelector('#health-dead .reasons')!.textContent!.includes(m), marker, { timeout: 10_000 });
    expect(Number(await page.textContent('#health-dead .figure-value'))).toBeGreaterThanOrEqual(1);
    expect(await page.isVisible('#dead-count')).toBe(true);
    await screenshot(page, 'console-10-dead-letters');

    await page.click(`${card} button:has-text("Discard")`);
    expect(await page.textContent(`${card} .dead-actions`)).toContain('Click again to discard');
    await page.click(`${card} button:has-text("Click again")`);
    await page.waitForSelector(card, { state: 'detached' });
    const left = (await http<AdminDeadLetterPage>(running.url, '/admin/dead-letters')).body;
    expect(left.items.filter((d) => d.requestId === marker)).toEqual([]);
    await page.close();
  }, 30_000);

  it('shows the cluster: this gateway with its sockets, and the agent workers with their workflows', async () => {
    const { page } = await signIn();
    await page.waitForSelector('#main:not([hidden])');
    await page.click('#tabs a[data-view="cluster"]');
    await page.waitForSelector('#instances tbody tr.self');
    await page.waitForFunction(() => Number(document.querySelector('#instances tr.self [data-gauge="agent_stream_connected_sockets"]')?.textContent) >= 1, undefined, { timeout: 10_000 });
    expect(await page.textContent('#agent-workers')).toContain('1 agent worker takes starts from agents.request.start');
    // The demo agents' heartbeat: their two workflows, `demo` marked as the default.
    const worker = '#workers tbody tr[data-worker-id]';
    await page.waitForSelector(worker, { timeout: 10_000 });
    expect(await page.$$eval(`${worker} .workflow`, (tags) => tags.map((t) => [(t as HTMLElement).dataset.workflow, t.classList.contains('default')]))).toEqual([
      ['demo', true],
      ['research', false],
    ]);
    expect(await page.textContent(`${worker} th`)).toContain(`:${process.pid}`);
    expect(await page.isHidden('#workers-none')).toBe(true);
    await screenshot(page, 'console-11-cluster');
    await page.close();
  }, 30_000);

  it('works on a narrow window', async () => {
    const requestId = await startRun('Summarise the release notes', { steps: 3, stepDelayMs: 100 });
    const { page } = await signIn();
    await page.setViewportSize({ width: 420, height: 900 });
    await page.goto(`${running.url}/console#/requests/${requestId}`);
    await page.waitForSelector('#detail-status.badge-completed', { timeout: 15_000 });
    // Nothing wider than the window: no sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    // Nor in the list: its rows fit as they are.
    expect(await page.$eval('#requests', (table) => table.scrollWidth <= table.parentElement!.clientWidth)).toBe(true);
    await page.waitForTimeout(700); // bar transitions
    await screenshot(page, 'console-12-narrow');
    await page.close();
  }, 30_000);
});
