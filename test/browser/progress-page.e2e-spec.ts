/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { Page } from 'playwright-core';
import type { OutputMessage, StateMessage } from '@app/contracts';
import { demoTokens, makePlan } from '../../apps/agents/src/demo/demo-plan';
import { screenshot, withBrowser } from '../support/browser';
import { connectAs, newUser, withGatewayAndAgents } from '../support/gateway-harness';
import { mintToken } from '../support/tokens';

/** What the page shows of one request: the status badge and each step row. */
async function shownPicture(page: Page) {
  return page.evaluate(() => ({
    requestId: document.getElementById('request-id')!.textContent,
    status: document.getElementById('request-status')!.className.replace('badge badge-', ''),
    steps: [...document.querySelectorAll<HTMLElement>('#steps .step')].map((row) => ({
      step: Number(row.querySelector('.step-number')!.textContent),
      status: row.dataset.status,
      title: row.querySelector('.step-title')!.textContent,
      tool: row.querySelector('.step-tool')!.textContent,
      detail: row.querySelector('.step-detail')!.textContent,
      bar: (row.querySelector('.bar-fill') as HTMLElement).style.width,
    })),
    agents: [...document.querySelectorAll<HTMLElement>('#agents .agent')].map((a) => `${a.querySelector('.agent-name')!.textContent}:${a.dataset.status}`),
  }));
}

/** The raw event log shows every seq from 1 to `lastSeq` once, in order. */
async function expectLogOnceInOrder(page: Page, lastSeq: number): Promise<void> {
  const seqs = await page.$$eval('#log li .log-seq', (cells) => cells.map((c) => Number(c.textContent!.slice(1))));
  expect(seqs).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
}

/** Step numbers and statuses only: what must match the server's state. */
const stepStatuses = (steps: Array<{ step: number; status?: string }>) => steps.map(({ step, status }) => ({ step, status }));

describe('the live progress page in Chromium', () => {
  const running = withGatewayAndAgents();
  const browser = withBrowser();
  afterEach(() => expect(browser.errors.splice(0)).toEqual([]));

  /** The server's own picture, from a fresh connection. */
  async function serverState(user: string, requestId: string): Promise<StateMessage> {
    const client = await connectAs(running.url, user);
    try {
      await client.ack('rejoin', { requestId });
      return client.states(requestId)[0];
    } finally {
      client.close();
    }
  }

  /** What the page must show for that state: every executor step with its status (no pending ones once finished). */
  function expectedSteps(state: StateMessage) {
    return state.steps.map((s) => ({ step: s.step, status: s.status === 'running' && ['completed', 'failed', 'cancelled'].includes(state.status) ? 'stopped' : s.status }));
  }

  async function openPage(user: string, fragment = ''): Promise<Page> {
    const page = await browser.page();
    await page.goto(`${running.url}/#token=${mintToken(user)}${fragment}`);
    await page.waitForSelector('#connection[data-status="live"]');
    return page;
  }

  async function startRun(
    page: Page,
    knobs: { steps: number; stepDelay: number; askAt?: number; query: string; workflow?: string; streamAt?: number; tokensPerSecond?: number; streamTokens?: number },
  ): Promise<string> {
    await page.fill('#query', knobs.query);
    await page.selectOption('#workflow', knobs.workflow ?? 'demo');
    await page.fill('#knob-steps', String(knobs.steps));
    await page.fill('#knob-step-delay', String(knobs.stepDelay));
    await page.fill('#knob-ask-at', knobs.askAt === undefined ? '' : String(knobs.askAt));
    await page.fill('#knob-stream-at', knobs.streamAt === undefined ? '' : String(knobs.streamAt));
    await page.fill('#knob-tokens-per-second', knobs.tokensPerSecond === undefined ? '' : String(knobs.tokensPerSecond));
    await page.fill('#knob-stream-tokens', knobs.streamTokens === undefined ? '' : String(knobs.streamTokens));
    const before = await page.textContent('#request-id');
    await page.click('#start');
    await page.waitForSelector('#request:not([hidden])');
    // The new request replaces the one shown before.
    await page.waitForFunction((previous) => /^req-/.test(document.getElementById('request-id')!.textContent ?? '') && document.getElementById('request-id')!.textContent !== previous, before);
    return (await page.textContent('#request-id'))!;
  }

  const stepRow = (n: number) => `#steps .step:nth-child(${n})`;

  it('a run: the bars fill step by step, a question is answered, the outcome shows', async () => {
    const user = newUser('browser');
    const page = await openPage(user);
    await screenshot(page, '01-empty');
    const requestId = await startRun(page, { query: 'Find the best hiking trails near Zermatt', steps: 5, stepDelay: 1000, askAt: 4 });

    // Mid-run: earlier steps done (full green bars), one running, later ones pending (empty bars).
    await page.waitForSelector(`${stepRow(2)}[data-status="completed"]`, { state: 'attached' });
    await page.waitForSelector(`${stepRow(3)}[data-status="running"]`);
    const mid = await shownPicture(page);
    expect(mid.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'running', 'pending', 'pending']);
    expect(mid.steps.map((s) => s.bar)).toEqual(['100%', '100%', '55%', '0%', '0%']);
    expect(mid.steps[0]).toMatchObject({ tool: 'web.search', detail: expect.stringContaining('web.search finished') });
    await page.waitForTimeout(700); // let the bar transitions finish before the picture
    await screenshot(page, '02-run-in-progress');

    await page.waitForSelector('.question');
    expect(await page.textContent('#request-status')).toBe('Waiting for you');
    expect(await page.textContent('.question-prompt')).toContain('Step 4');
    await screenshot(page, '03-question');
    await page.click('.question .option >> text=be brief');
    await page.waitForSelector('#request-status.badge-completed', { timeout: 15_000 });
    expect(await page.$('.question')).toBeNull();
    await page.waitForTimeout(700);
    await screenshot(page, '04-completed');

    const state = await serverState(user, requestId);
    const shown = await shownPicture(page);
    expect(stepStatuses(shown.steps)).toEqual(expectedSteps(state));
    expect(shown.steps[3].detail).toContain('as asked: be brief');
    // Each row shows what the agent said the step is (state.steps[].title, from the demo's data.title).
    expect(shown.steps.map((s) => s.title)).toEqual(state.steps.map((s) => s.title));
    expect(shown.steps[0].title).toBe('Search the web for "Find the best hiking trails near Zermatt"');
    expect(await page.textContent('#outcome')).toContain('Done: 5 steps');
    await expectLogOnceInOrder(page, state.seq);
    await page.close();
  }, 60_000);

  it('the workflow picker: a research run is carried out by the research workflow’s agents', async () => {
    const user = newUser('browser');
    const page = await openPage(user);
    expect(await page.$$eval('#workflow option', (options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['demo', 'research']);
    expect(await page.inputValue('#workflow')).toBe('demo');
    const requestId = await startRun(page, { query: 'Is solar worth it in Oslo?', steps: 4, stepDelay: 300, workflow: 'research' });
    await page.waitForSelector('#request-status.badge-completed', { timeout: 15_000 });
    await page.waitForTimeout(700);
    await screenshot(page, '04b-research-workflow');

    const shown = await shownPicture(page);
    expect(shown.agents).toEqual(['librarian-agent:completed', 'researcher-agent:completed']);
    expect(shown.steps.map((s) => s.tool)).toEqual(['library.search', 'source.read', 'source.read', 'report.write']);
    const state = await serverState(user, requestId);
    expect(stepStatuses(shown.steps)).toEqual(expectedSteps(state));
    expect(state.agents.map((a) => a.agent)).toEqual(['librarian-agent', 'researcher-agent']);
    await page.close();
  }, 60_000);

  it('cancel stops a run; the recent list re-opens an earlier request', async () => {
    const user = newUser('browser');
    const page = await openPage(user);
    const first = await startRun(page, { query: 'A short one', steps: 2, stepDelay: 100 });
    await page.waitForSelector('#request-status.badge-completed');

    const second = await startRun(page, { query: 'Compare every EV charging network in Europe', steps: 12, stepDelay: 600 });
    await page.waitForSelector(`${stepRow(1)}[data-status="completed"]`);
    await page.click('#cancel');
    await page.waitForSelector('#request-status.badge-cancelled', { timeout: 10_000 });
    expect(await page.isHidden('#cancel')).toBe(true);
    const state = await serverState(user, second);
    expect(state.status).toBe('cancelled');
    const shown = await shownPicture(page);
    expect(shown.steps.filter((s) => s.status === 'completed').length).toBeLessThan(12);
    expect(stepStatuses(shown.steps.slice(0, state.steps.length))).toEqual(expectedSteps(state));
    // The planned steps that never started are skipped, with empty bars; the executor shows as stopped.
    expect(shown.steps.slice(state.steps.length).map((s) => [s.status, s.bar])).toEqual(Array(12 - state.steps.length).fill(['skipped', '0%']));
    expect(shown.agents).toEqual(['thought-agent:completed', 'executor-agent:stopped']);
    await screenshot(page, '05-cancelled');

    // Both runs are listed, newest first; the first one re-opens with its final picture.
    const listed = await page.$$eval('#recent .recent', (items) => items.map((i) => (i as HTMLElement).dataset.requestId));
    expect(listed).toEqual([second, first]);
    await page.click(`#recent .recent[data-request-id="${first}"]`);
    await page.waitForFunction((id) => document.getElementById('request-id')!.textContent === id, first);
    await page.waitForSelector('#request-status.badge-completed');
    expect((await shownPicture(page)).steps.map((s) => s.status)).toEqual(['completed', 'completed']);
    await page.close();
  }, 60_000);

  it('a dropped connection and a reload both restore the exact picture', async () => {
    const user = newUser('browser');
    const page = await openPage(user);
    await page.evaluate(() => {
      const w = window as unknown as { __statuses: string[]; __agentStream: { client: { subscribeStatus(l: () => void): void; status: string } } };
      w.__statuses = [];
      w.__agentStream.client.subscribeStatus(() => w.__statuses.push(w.__agentStream.client.status));
    });
    const requestId = await startRun(page, { query: 'Survive a dropped connection', steps: 8, stepDelay: 400 });
    await page.waitForSelector(`${stepRow(2)}[data-status="completed"]`);

    // The transport dies under the page; socket.io reconnects, the SDK rejoins with its last seq.
    await page.evaluate(() => (window as unknown as { __agentStream: { client: { socket: { io: { engine: { close(): void } } } } } }).__agentStream.client.socket.io.engine.close());
    await page.waitForSelector('#connection[data-status="recovering"]', { timeout: 5_000 }).catch(() => undefined);
    await screenshot(page, '06-reconnecting');
    await page.waitForSelector('#connection[data-status="live"]');
    expect(await page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses)).toEqual(expect.arrayContaining(['recovering', 'live']));
    await page.waitForSelector('#request-status.badge-completed', { timeout: 20_000 });
    await page.waitForTimeout(700);

    const state = await serverState(user, requestId);
    const afterDrop = await shownPicture(page);
    expect(stepStatuses(afterDrop.steps)).toEqual(expectedSteps(state));
    await expectLogOnceInOrder(page, state.seq);
    await screenshot(page, '07-after-drop');

    // A reload re-opens the request from the URL and shows the same picture.
    expect(page.url()).toContain(`request=${requestId}`);
    await page.reload();
    await page.waitForSelector('#request-status.badge-completed');
    await page.waitForTimeout(700);
    expect(await shownPicture(page)).toEqual(afterDrop);
    await expectLogOnceInOrder(page, state.seq);
    await page.click('.log-card summary');
    await screenshot(page, '08-after-reload-with-log');
    await page.close();
  }, 60_000);

  it('a reload mid-run picks up where it was and follows the run to its end', async () => {
    const user = newUser('browser');
    const page = await openPage(user);
    const requestId = await startRun(page, { query: 'Reload me mid-run', steps: 6, stepDelay: 400 });
    await page.waitForSelector(`${stepRow(1)}[data-status="completed"]`);
    await page.reload();
    await page.waitForSelector('#connection[data-status="live"]');
    const restored = await shownPicture(page);
    expect(restored.requestId).toBe(requestId);
    expect(restored.steps.length).toBe(6);
    expect(restored.steps[0].status).toBe('completed');
    await page.waitForSelector('#request-status.badge-completed', { timeout: 20_000 });
    const state = await serverState(user, requestId);
    expect(stepStatuses((await shownPicture(page)).steps)).toEqual(expectedSteps(state));
    await expectLogOnceInOrder(page, state.seq);
    await page.close();
  }, 60_000);

  it('a streaming step: a page reloaded twice mid-stream ends with the text of a client that never disconnected, character for character', async () => {
    const user = newUser('browser');
    const page = await openPage(user);
    const query = 'Write a short report on alpine huts';
    // 12 s of text: both reloads and the scroll check land mid-stream even on a loaded machine.
    const tokens = 600;
    const requestId = await startRun(page, { query, steps: 2, stepDelay: 200, streamAt: 2, tokensPerSecond: 50, streamTokens: tokens });
    // A client that never disconnects: every output delta of step 2, from seq 1 (replayed) and live.
    const steady = await connectAs(running.url, user);
    await steady.ack('rejoin', { requestId, lastSeq: 0 });
    const steadyText = () =>
      [...(steady.states(requestId)[0]?.events ?? []), ...steady.events(requestId)]
        .filter((m): m is OutputMessage => m.type === 'output' && m.step === 2)
        .map((m) => m.delta)
        .join('');
    const shownText = () => page.evaluate(() => document.querySelector('#steps .step:nth-child(2) .step-output')?.textContent ?? '');

    await page.waitForFunction(() => (document.querySelector('#steps .step:nth-child(2) .step-output')?.textContent ?? '').length > 150);
    await screenshot(page, '11-streaming');
    for (const reload of [1, 2]) {
      const before = await shownText();
      await page.reload();
      await page.waitForSelector('#connection[data-status="live"]');
      await page.waitForSelector(`${stepRow(2)} .step-output:not([hidden])`);
      const after = await shownText();
      // Back with everything it showed, still streaming (so this reload was mid-stream).
      expect(after.startsWith(before)).toBe(true);
      expect(await page.getAttribute(stepRow(2), 'data-status')).toBe('running');
      await page.waitForFunction((length) => (document.querySelector('#steps .step:nth-child(2) .step-output')?.textContent ?? '').length > length + 100, after.length);
      await screenshot(page, `12-streaming-after-reload-${reload}`);
    }
    // The box follows the end; a reader who scrolled up to read keeps their place while the text grows.
    const box = `${stepRow(2)} .step-output`;
    expect(await page.$eval(box, (el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(30);
    await page.$eval(box, (el) => (el.scrollTop = 0));
    const scrolledAt = (await shownText()).length;
    await page.waitForFunction((length) => (document.querySelector('#steps .step:nth-child(2) .step-output')?.textContent ?? '').length > length + 50, scrolledAt);
    expect(await page.$eval(box, (el) => el.scrollTop)).toBe(0);

    await page.waitForSelector('#request-status.badge-completed', { timeout: 30_000 });
    await steady.waitFor('request.completed', (m) => m.requestId === requestId, 10_000);
    await page.waitForTimeout(300);
    await screenshot(page, '13-streamed-completed');
    const expected = demoTokens(makePlan(query, 2)[1], tokens).join('');
    expect(steadyText()).toBe(expected);
    expect(await shownText()).toBe(expected);
    const state = await serverState(user, requestId);
    expect(state.steps.find((s) => s.step === 2)!.output).toBe(expected);
    await expectLogOnceInOrder(page, state.seq);
    steady.close();
    await page.close();
  }, 90_000);

  it('without a token, or with a refused one, the page says how to get one', async () => {
    const page = await browser.page();
    await page.goto(`${running.url}/`);
    expect(await page.isVisible('#no-token')).toBe(true);
    expect(await page.textContent('#no-token')).toContain('npm start');
    expect(await page.isHidden('#connection')).toBe(true);
    await screenshot(page, '09-no-token');

    await page.goto(`${running.url}/#token=${mintToken(newUser(), { expiresIn: -10 })}`);
    await page.reload(); // a fragment change alone does not load the page again
    await page.waitForSelector('#token-refused', { state: 'visible' });
    expect(await page.textContent('#connection')).toBe('Token refused');
    // Start fails at once and says why (it used to wait out the retries, ~68 s, disabled), and can be pressed again.
    await page.fill('#query', 'with a refused token');
    await page.click('#start');
    await page.waitForSelector('#toast:not([hidden])');
    expect(await page.textContent('#toast')).toContain('refused the token');
    expect(await page.isEnabled('#start')).toBe(true);
    browser.errors.splice(0); // the refused handshake is logged by the browser
    await screenshot(page, '10-token-refused');
    await page.close();
  }, 30_000);
});
