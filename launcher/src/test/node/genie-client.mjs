// Seed 000's stream-chat with a client we did not write: the `eventsource` npm client, its fetch sending the POST
// (method, JSON body, bearer token), as POST-SSE clients do. A proxy in front of the API cuts the first answer after
// `cutAfter` bytes: the client reconnects by itself, sending the same POST with Last-Event-ID, and must get the rest
// of the answer without a gap or a duplicate. The client closes on finalizeResponseStream, as the seed says.
//
// Usage: node genie-client.mjs <baseUrl> <jwt> <message> <sessionId> <cutAfterBytes>
// Prints one line of JSON: { events: [{ id, data }], requests: [{ line, lastEventId }], cut, errors }.
import { EventSource } from 'eventsource';
import { startCuttingProxy } from './cutting-proxy.mjs';

const [base, jwt, message, sessionId, cutAfter] = process.argv.slice(2);
const target = new URL(base);
const proxy = await startCuttingProxy({
  targetHost: target.hostname,
  targetPort: Number(target.port),
  matches: line => line.startsWith('POST /api/genie/stream-chat '),
  afterBytes: Number(cutAfter),
});
const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 60_000);

const events = [];
const errors = [];
const es = new EventSource(`http://127.0.0.1:${proxy.port}/api/genie/stream-chat`, {
  fetch: (url, init) => fetch(url, {
    ...init,
    method: 'POST',
    headers: { ...(init.headers || {}), Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ message, sessionId, simulation: { output_tokens: 120, tokens_per_second: 300 } }),
  }),
});
es.onmessage = (ev) => {
  events.push({ id: ev.lastEventId, data: ev.data });
  if (JSON.parse(ev.data).type === 'finalizeResponseStream') {
    es.close();
    finish();
  }
};
es.onerror = (ev) => {
  errors.push({ message: String(ev.message ?? ''), code: ev.code ?? null, readyState: es.readyState });
  if (es.readyState === EventSource.CLOSED) {
    finish();
  }
};

function finish() {
  clearTimeout(timer);
  proxy.close();
  console.log(JSON.stringify({ events, requests: proxy.state.requests, cut: proxy.state.cut, errors }));
  process.exit(0);
}
