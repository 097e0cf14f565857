// Seed 001's JavaScript, as the document writes it: the two-step fetch (orgid and Authorization headers), then
// the real `eventsource` client on /ai/stream/:streamId?orgid=... with withCredentials, listening for `data` and
// `end`. Node has no browser cookie jar, so the client's fetch adds the sign-in cookie a browser would send; no
// Authorization header reaches the stream.
//
// Usage: node agent-stream-seed.mjs <baseUrl> <orgid> <jwt>
// Prints one line of JSON: { streamId, events: [{ id, data }], ended, errors, cookies, authorizations }.
import { EventSource } from 'eventsource';

const [base, orgid, jwt] = process.argv.slice(2);
if (!base || !orgid || !jwt) {
  console.error('usage: node agent-stream-seed.mjs <baseUrl> <orgid> <jwt>');
  process.exit(64);
}
const timer = setTimeout(() => {
  console.error('timed out');
  process.exit(2);
}, 60_000);

// Step 1: kick off the run
const { streamId } = await fetch(`${base}/ai/agent/stream`, {
  method: 'POST',
  headers: {
    orgid,
    Authorization: `Bearer ${jwt}`,
    'Content-Type': 'application/json',
  },
  body: JSON.stringify({
    task: 'Summarise the latest TechCrunch article on the link.',
    agentRole: 'chat',
    conversationId: 'conv-123',
    context: { aiMode: 'auto' },
    files: [{ path: 'uploads/report.pdf', name: 'report.pdf' }],
  }),
}).then(r => r.json());

// Step 2: open the SSE stream
const requests = [];
const es = new EventSource(`${base}/ai/stream/${streamId}?orgid=${orgid}`, {
  withCredentials: true,
  fetch: (url, init) => {
    const headers = { ...(init.headers || {}), cookie: `runstream_token=${jwt}` };
    requests.push({ cookie: true, authorization: Object.keys(headers).some(h => h.toLowerCase() === 'authorization') });
    return fetch(url, { ...init, headers });
  },
});
const events = [];
const errors = [];
es.addEventListener('data', (ev) => {
  const chunk = JSON.parse(ev.data);
  events.push({ id: ev.lastEventId, data: ev.data, type: chunk.type });
});
es.addEventListener('end', (ev) => {
  events.push({ id: ev.lastEventId, data: ev.data, type: 'end' });
  es.close();
  finish(true);
});
es.addEventListener('error', (ev) => {
  errors.push({ message: String(ev.message ?? ''), code: ev.code ?? null });
  es.close();
  finish(false);
});

function finish(ended) {
  clearTimeout(timer);
  console.log(JSON.stringify({ streamId, events, ended, errors, requests }));
}
