// Debian's Chromium, driven by playwright-core, runs browser apps on another origin than the API:
//  1. seed 001's JavaScript as the document writes it (two-step fetch with orgid and Authorization, then EventSource
//     with ?orgid= and withCredentials, listening for `data` and `end`), after signing in for the cookie;
//  2. the canonical flow: create a session, stream it with the cookie through a proxy that cuts the stream's
//     connection mid-run (EventSource reconnects with its last id by itself), until the run's end and the 204;
//  3. a page on an origin that is not allowed, and 4. a request header that is not allowed: both refused.
//
// Usage: node browser-cors.mjs <api base, http://localhost:PORT> <orgid> <jwt>
// Prints one line of JSON with what each flow saw.
import http from 'node:http';
import { chromium } from 'playwright-core';
import { startCuttingProxy } from './cutting-proxy.mjs';

const [api, orgid, jwt] = process.argv.slice(2);
if (!api || !orgid || !jwt) {
  console.error('usage: node browser-cors.mjs <apiBase> <orgid> <jwt>');
  process.exit(64);
}
const overall = setTimeout(() => { console.error('timed out'); process.exit(2); }, 120_000);

// The app's own origin: a blank page served on another port of this machine.
const app = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><html><head><title>app</title></head><body>app</body></html>');
});
await new Promise(resolve => app.listen(0, '127.0.0.1', resolve));
const appPort = app.address().port;
const allowedOrigin = `http://localhost:${appPort}`;
const refusedOrigin = `http://127.0.0.1:${appPort}`;
// The API again, behind a proxy that drops the first session stream after a few events.
const target = new URL(api);
const proxy = await startCuttingProxy({
  targetHost: target.hostname === 'localhost' ? '127.0.0.1' : target.hostname,
  targetPort: Number(target.port || 80),
  matches: line => /^GET \/api\/v1\/sessions\/[^/]+\/stream/.test(line),
  afterBytes: 2500,
});
const flakyApi = `http://localhost:${proxy.port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const result = { allowedOrigin, refusedOrigin };
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', m => consoleLines.push(m.text()));
  await page.goto(`${allowedOrigin}/`);

  // 1. Seed 001, after sign-in sets the cookie (credentials: 'include' so that the browser stores it).
  result.seed = await page.evaluate(async ({ api, orgid, jwt }) => {
    const signIn = await fetch(`${api}/api/v1/auth/cookie`, {
      method: 'POST', credentials: 'include', headers: { Authorization: `Bearer ${jwt}` },
    });
    // Step 1: kick off the run
    const { streamId } = await fetch(`${api}/ai/agent/stream`, {
      method: 'POST',
      headers: { orgid, Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ task: 'Hello', agentRole: 'chat', conversationId: 'c1',
        simulation: { output_tokens: 40, tokens_per_second: 200 } }),
    }).then(r => r.json());
    // Step 2: open the SSE stream
    return await new Promise((resolve) => {
      const chunks = [];
      const es = new EventSource(`${api}/ai/stream/${streamId}?orgid=${orgid}`, { withCredentials: true });
      es.addEventListener('data', (ev) => chunks.push({ id: ev.lastEventId, chunk: JSON.parse(ev.data) }));
      es.addEventListener('end', (ev) => { es.close(); resolve({ signedIn: signIn.status, streamId, chunks, end: ev.data, endId: ev.lastEventId }); });
      es.addEventListener('error', () => { es.close(); resolve({ signedIn: signIn.status, streamId, chunks, error: true }); });
    });
  }, { api, orgid, jwt });

  // 2. The canonical flow through the flaky network: signed in there (the cookie is the proxy host's), the stream
  // is cut once mid-run.
  const session = await page.evaluate(async ({ api, jwt }) => {
    await fetch(`${api}/api/v1/auth/cookie`, {
      method: 'POST', credentials: 'include', headers: { Authorization: `Bearer ${jwt}` },
    });
    const created = await fetch(`${api}/api/v1/sessions`, {
      method: 'POST', headers: { Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'Tell me a story', simulation: { output_tokens: 150, tokens_per_second: 40 } }),
    }).then(r => r.json());
    window.__events = [];
    window.__errors = 0;
    const es = new EventSource(`${api}/api/v1/sessions/${created.uuid}/stream`, { withCredentials: true });
    window.__es = es;
    es.onmessage = (ev) => window.__events.push({ id: ev.lastEventId, data: ev.data });
    es.onerror = () => { window.__errors++; };
    return created;
  }, { api: flakyApi, jwt });
  await page.waitForFunction(() => window.__es.readyState === 2, null, { timeout: 60_000 });
  result.canonical = await page.evaluate(() => ({ events: window.__events, errors: window.__errors }));
  result.canonical.session = session.uuid;
  result.canonical.cut = proxy.state.cut;
  result.canonical.proxyConnections = proxy.state.connections;
  result.canonical.streamRequests = proxy.state.requests;

  // 4. A request header the API does not allow: the preflight refuses it.
  result.badHeader = await page.evaluate(async ({ api, jwt }) => {
    try {
      const r = await fetch(`${api}/api/v1/sessions`, { headers: { Authorization: `Bearer ${jwt}`, 'X-Not-Allowed': '1' } });
      return { refused: false, status: r.status };
    } catch (e) {
      return { refused: true, error: String(e) };
    }
  }, { api, jwt });

  // 3. A page on an origin that is not allowed.
  const other = await context.newPage();
  await other.goto(`${refusedOrigin}/`);
  result.refusedPage = await other.evaluate(async ({ api, jwt }) => {
    try {
      const r = await fetch(`${api}/api/v1/sessions`, {
        method: 'POST', headers: { Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: 'from a page that is not allowed' }),
      });
      return { refused: false, status: r.status };
    } catch (e) {
      return { refused: true, error: String(e) };
    }
  }, { api, jwt });
  result.console = consoleLines.slice(0, 20);
} finally {
  await browser.close();
  app.close();
  proxy.close();
  clearTimeout(overall);
}
console.log(JSON.stringify(result));
