// The playground in a real browser (Debian's Chromium driven by playwright-core) against a running Runstream:
// sign-in, a full turn with every part and a follow-up, reload mid-stream, a network drop, Stop, tool approvals
// (Approve, Deny), a second tab,
// feedback, the live runs view and a phone-sized screen. Every reply on screen is compared with the stored transcript.
//
// Usage: node --test test/ with RUNSTREAM_URL (http://localhost:8080), RUNSTREAM_TOKEN (a bearer token) and
// optionally SCREENSHOTS (a folder; screenshots of the main states are written there).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

const BASE = (process.env.RUNSTREAM_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const TOKEN = process.env.RUNSTREAM_TOKEN;
const SHOTS = process.env.SCREENSHOTS;
if (!TOKEN) throw new Error('RUNSTREAM_TOKEN is required');
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
});
after(async () => browser?.close());

async function api(pathname, init = {}) {
  const response = await fetch(`${BASE}${pathname}`, {
    ...init, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}

async function transcript(session) {
  const { json } = await api(`/api/v1/sessions/${session}/messages?page=1&page_size=100`);
  return json.results;
}

/** Waits until the session's agent messages are all settled in the transcript, and returns it. */
async function settledTranscript(session) {
  for (let i = 0; i < 100; i++) {
    const messages = await transcript(session);
    if (messages.every(m => m.status !== 'streaming')) return messages;
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error('the transcript still has a streaming message');
}

/** A new browser context (its own storage) with the playground open and signed in through the address. */
async function signedIn(options = {}, base = BASE) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const requests = [];
  context.on('request', request => requests.push(request));
  await page.goto(`${base}/#token=${TOKEN}`);
  await page.getByTestId('chat').waitFor();
  return { context, page, requests };
}

async function setRunOptions(page, { pace, tokens, showcase = false, callTool = '' }) {
  await page.getByTestId('options').locator('summary').click();
  await page.getByTestId('option-pace').fill(pace ? String(pace) : '');
  await page.getByTestId('option-tokens').fill(tokens ? String(tokens) : '');
  await page.getByTestId('option-showcase').setChecked(showcase);
  await page.getByTestId('option-call-tool').fill(callTool);
}

async function send(page, text) {
  await page.getByTestId('input').fill(text);
  await page.getByTestId('send').click();
}

async function sessionOf(page) {
  await page.waitForFunction(() => /^#\/s\/[0-9a-f-]{36}$/.test(window.location.hash));
  return page.evaluate(() => window.location.hash.slice(4));
}

const assistants = page => page.locator('[data-testid=message][data-role=assistant]');
const lastReplyText = page => assistants(page).last().getByTestId('assistant-text').textContent();
const idle = page => page.locator('[data-testid=chat][data-status=ready]').waitFor({ timeout: 60_000 });
const streaming = page => page.locator('[data-testid=chat][data-status=streaming]').waitFor({ timeout: 30_000 });

/** Waits until the last reply on screen has at least `chars` characters and returns it. */
async function replyGrows(page, chars) {
  await page.waitForFunction(n => {
    const replies = document.querySelectorAll('[data-testid=message][data-role=assistant] [data-testid=assistant-text]');
    return replies.length > 0 && replies[replies.length - 1].textContent.length >= n;
  }, chars, { timeout: 30_000 });
  return lastReplyText(page);
}

/** A TCP proxy to Runstream whose dropAll() cuts every open connection, as a network drop does. */
async function droppingProxy(target) {
  const sockets = new Set();
  const state = { dropped: 0 };
  const server = net.createServer(client => {
    const upstream = net.connect(Number(target.port || 80), target.hostname === 'localhost' ? '127.0.0.1' : target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => { sockets.delete(socket); client.destroy(); upstream.destroy(); });
      socket.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    get dropped() { return state.dropped; },
    dropAll() { state.dropped += sockets.size; sockets.forEach(socket => socket.destroy()); },
    close() { server.close(); sockets.forEach(socket => socket.destroy()); },
  };
}

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

describe('the playground', () => {
  test('signs in with a pasted token, streams a turn with every part, a follow-up, and reloads a finished session from its transcript', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests = [];
    context.on('request', request => requests.push(request.url()));
    await page.goto(`${BASE}/`);
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: '401' }).waitFor();
    await page.getByLabel('Token').fill(`Bearer ${TOKEN}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('chat').waitFor();

    await setRunOptions(page, { pace: 40, tokens: 60, showcase: true });
    // the stage line shows the agent's transient stage updates while it streams
    await page.evaluate(() => {
      window.stages = [];
      new MutationObserver(() => {
        const stage = document.querySelector('[data-testid=stage]')?.textContent;
        if (stage && window.stages[window.stages.length - 1] !== stage) window.stages.push(stage);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await send(page, 'Suggest three cat names');
    const session = await sessionOf(page);
    await streaming(page);
    await idle(page);
    await shot(page, 'playground-turn');

    const stored = await settledTranscript(session);
    assert.equal(stored.length, 2);
    assert.equal(await lastReplyText(page), stored[1].text, 'the streamed reply is the stored reply');
    assert.ok(stored[1].text.length > 20);
    const reply = assistants(page).last();
    assert.match(await reply.getByTestId('reasoning-part').textContent(), /quick lookup first/);
    const tool = reply.getByTestId('tool-part');
    assert.match(await tool.textContent(), /lookup.*done/s);
    assert.match(await tool.textContent(), /"query": "cat names"/);
    assert.match(await tool.textContent(), /Pixel/);
    assert.equal(await reply.getByTestId('usage-part').textContent(),
      `sim-1: ${stored[1].usage.input_tokens} in · ${stored[1].usage.output_tokens} out tokens`);
    const stages = await page.evaluate(() => window.stages);
    assert.ok(stages.includes('Looking things up…'), `stages seen: ${stages}`);
    // the new session is listed (newest first)
    await page.locator(`[data-testid=sessions] [data-session="${session}"]`).waitFor();
    assert.equal(await page.locator('[data-testid=sessions] button').first().getAttribute('data-session'), session);

    await send(page, 'Two more, please');
    await streaming(page);
    await idle(page);
    const both = await settledTranscript(session);
    assert.equal(both.length, 4);
    assert.equal(await assistants(page).count(), 2);
    assert.equal(await lastReplyText(page), both[3].text);

    // a finished session reloads from its transcript: the same replies, nothing resumed
    await page.reload();
    await page.getByTestId('chat').waitFor();
    await page.locator('[data-testid=message]').nth(3).waitFor();
    assert.equal(await page.locator('[data-testid=message]').count(), 4);
    assert.equal(await assistants(page).first().getByTestId('assistant-text').textContent(), both[1].text);
    assert.equal(await lastReplyText(page), both[3].text);
    // nothing was loaded from anywhere but Runstream itself
    const elsewhere = requests.filter(url => !url.startsWith(BASE) && !url.startsWith('data:'));
    assert.deepEqual(elsewhere, []);
    await context.close();
  });

  test('a reload mid-stream continues the reply: nothing repeated, nothing lost', async () => {
    const { context, page } = await signedIn();
    await setRunOptions(page, { pace: 20, tokens: 120 });
    await send(page, 'Tell me a long story');
    const session = await sessionOf(page);
    const before = await replyGrows(page, 40);
    await page.reload();
    await page.getByTestId('chat').waitFor();
    await streaming(page);
    await replyGrows(page, before.length + 10);
    await shot(page, 'playground-resumed-after-reload');
    await idle(page);
    const stored = await settledTranscript(session);
    const text = await lastReplyText(page);
    assert.equal(await assistants(page).count(), 1, 'one reply, not a second copy');
    assert.ok(text.startsWith(before), 'the reply continues what was on screen before the reload');
    assert.equal(text, stored[1].text);
    assert.equal(stored[1].status, 'completed');
    await context.close();
  });

  test('a network drop mid-stream: the transport resumes with Last-Event-ID and nothing is lost', async () => {
    // Chromium's offline mode refuses new connections but leaves an open response stream flowing, so the page is
    // served through a proxy that drops every open connection at the moment the browser goes offline.
    const proxy = await droppingProxy(new URL(BASE));
    const { context, page, requests } = await signedIn({}, `http://localhost:${proxy.port}`);
    await setRunOptions(page, { pace: 20, tokens: 120 });
    await send(page, 'Explain the tides');
    const session = await sessionOf(page);
    const before = await replyGrows(page, 30);
    await context.setOffline(true);
    proxy.dropAll();
    await new Promise(resolve => setTimeout(resolve, 2500));
    await context.setOffline(false);
    await idle(page);
    const stored = await settledTranscript(session);
    const text = await lastReplyText(page);
    assert.ok(text.startsWith(before));
    assert.equal(text, stored[1].text);
    assert.equal(await assistants(page).count(), 1);
    const streams = requests.filter(r => r.url().endsWith(`/api/v1/sessions/${session}/stream`));
    assert.ok(streams.length >= 2, `the stream was opened again after the drop (${streams.length} opens)`);
    assert.match((await streams[streams.length - 1].allHeaders())['last-event-id'] ?? '', /^\d+$/);
    assert.ok(proxy.dropped > 0, 'connections were dropped');
    await context.close();
    proxy.close();
  });

  test('a tool call that needs approval shows Approve and Deny: Approve runs it, Deny tells the model, each reply as stored', async () => {
    const { context, page } = await signedIn();
    // approval.transfer: the test platform's server tool configured runstream.worker.needs-approval
    await setRunOptions(page, { pace: 0, tokens: 20, callTool: 'approval.transfer' });
    await send(page, 'Send 5 to Bob');
    const session = await sessionOf(page);
    const first = assistants(page).last().getByTestId('tool-part');
    await first.getByTestId('approve').waitFor({ timeout: 30_000 });
    await idle(page); // the run is parked: nothing streams while it waits
    await shot(page, 'playground-approval-requested');
    await first.getByTestId('approve').click();
    await assistants(page).last().locator('[data-testid=tool-part].output-available').waitFor({ timeout: 30_000 });
    await idle(page);
    let stored = await settledTranscript(session);
    assert.equal(stored[1].status, 'completed');
    assert.equal(await lastReplyText(page), stored[1].text, 'the reply went on in the same message, as stored');
    assert.ok(stored[1].text.length > 0);

    await send(page, 'Send 5 more');
    await assistants(page).nth(1).getByTestId('deny').waitFor({ timeout: 30_000 });
    await idle(page);
    await assistants(page).nth(1).getByTestId('deny').click();
    await assistants(page).nth(1).locator('[data-testid=tool-part].output-denied').waitFor({ timeout: 30_000 });
    await idle(page);
    await shot(page, 'playground-approval-denied');
    stored = await settledTranscript(session);
    assert.equal(stored.length, 4);
    assert.equal(stored[3].status, 'completed');
    assert.equal(await lastReplyText(page), stored[3].text);
    assert.equal(await page.getByTestId('approve').count(), 0, 'no approval is left to answer');
    await context.close();
  });

  test('Stop stops the model: the reply stops growing and the stored message is cancelled', async () => {
    const { context, page } = await signedIn();
    await setRunOptions(page, { pace: 15, tokens: 300 });
    await send(page, 'Count slowly to a thousand');
    const session = await sessionOf(page);
    await replyGrows(page, 30);
    await page.getByTestId('stop').click();
    await idle(page);
    await assistants(page).last().getByTestId('stopped').waitFor();
    await shot(page, 'playground-stopped');
    const onScreen = await lastReplyText(page);
    const stored = await settledTranscript(session);
    assert.equal(stored[1].status, 'cancelled');
    assert.ok(stored[1].text.startsWith(onScreen), 'what was shown is what was stored, up to the stop');
    assert.ok(stored[1].usage === null || stored[1].usage.output_tokens < 300, 'the model did not run to the end');
    await new Promise(resolve => setTimeout(resolve, 1500));
    assert.equal(await lastReplyText(page), onScreen, 'nothing arrives after Stop');
    // the composer takes a follow-up after a stop
    await send(page, 'Never mind');
    await idle(page);
    const after = await settledTranscript(session);
    assert.equal(after.length, 4);
    assert.equal(await lastReplyText(page), after[3].text);
    await context.close();
  });

  test('a second tab on the same session streams the same run', async () => {
    const { context, page } = await signedIn();
    await setRunOptions(page, { pace: 20, tokens: 100 });
    await send(page, 'Describe a sunrise');
    const session = await sessionOf(page);
    await replyGrows(page, 20);
    const second = await context.newPage();
    await second.goto(`${BASE}/#/s/${session}`);
    await second.getByTestId('chat').waitFor();
    await streaming(second);
    await shot(second, 'playground-second-tab');
    await Promise.all([idle(page), idle(second)]);
    const stored = await settledTranscript(session);
    assert.equal(await lastReplyText(page), stored[1].text);
    assert.equal(await lastReplyText(second), stored[1].text);
    assert.equal(await assistants(second).count(), 1);
    await context.close();
  });

  test('rating a reply stores the feedback, shows it after a reload and replaces it', async () => {
    const { context, page } = await signedIn();
    await setRunOptions(page, { pace: 0, tokens: 20 });
    await send(page, 'Say hello');
    const session = await sessionOf(page);
    await idle(page);
    const reply = assistants(page).last();
    await reply.getByTestId('rate-up').click();
    await reply.getByTestId('rated').filter({ hasText: 'positive' }).waitFor();
    let stored = await settledTranscript(session);
    assert.equal(stored[1].feedback?.rating, 'positive');
    assert.equal(await reply.getAttribute('data-id'), stored[1].uuid, 'the reply on screen is the stored message');
    await page.reload();
    await assistants(page).last().waitFor();
    assert.equal(await assistants(page).last().getByTestId('rate-up').getAttribute('aria-pressed'), 'true');
    await assistants(page).last().getByTestId('rate-down').click();
    await assistants(page).last().getByTestId('rated').filter({ hasText: 'negative' }).waitFor();
    stored = await transcript(session);
    assert.equal(stored[1].feedback?.rating, 'negative');
    await shot(page, 'playground-feedback');
    await context.close();
  });

  test('the runs view lists live and finished runs with time to first token and tokens per second', async () => {
    const { context, page } = await signedIn();
    await setRunOptions(page, { pace: 20, tokens: 80 });
    await send(page, 'Something to watch');
    const session = await sessionOf(page);
    await replyGrows(page, 10);
    await page.getByTestId('runs-tab').click();
    const row = `[data-testid=run-row][data-session="${session}"]`;
    // live: running, with its time to first token and a rate while it streams
    await page.locator(`${row}[data-status=running]`).waitFor();
    await page.waitForFunction(r => /^\d+ ms$/.test(document.querySelector(`${r} [data-testid=run-ttft]`)?.textContent ?? ''), row);
    await shot(page, 'playground-runs');
    await page.locator(`${row}[data-status=completed]`).waitFor({ timeout: 30_000 });
    const listed = (await api('/api/v1/runs?page_size=5')).json.results.find(r => r.session_uuid === session);
    assert.equal(await page.locator(`${row} [data-testid=run-ttft]`).textContent(), `${listed.time_to_first_token_ms} ms`);
    const rate = Number(await page.locator(`${row} [data-testid=run-rate]`).textContent());
    assert.equal(rate, listed.tokens_per_second);
    assert.ok(rate > 5 && rate < 60, `tokens per second near the pace of 20: ${rate}`);
    await context.close();
  });

  test('fits a phone-sized screen', async () => {
    const { context, page } = await signedIn({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await setRunOptions(page, { pace: 0, tokens: 40 });
    await send(page, 'Hello from a phone');
    await idle(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
    assert.equal(await page.getByTestId('sessions').isVisible(), false, 'the sessions list folds away');
    await page.getByRole('button', { name: 'Sessions' }).click();
    assert.equal(await page.getByTestId('sessions').isVisible(), true);
    await shot(page, 'playground-phone');
    await context.close();
  });
});
