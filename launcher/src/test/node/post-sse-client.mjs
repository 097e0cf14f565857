// A face whose POST answers with the stream (genie, seed 000; project chat, seed 002), read by a client we did not
// write: the `eventsource` npm client, its fetch sending the POST (method, JSON body, bearer token). A proxy in front
// of the API cuts the first answer after `cutAfter` bytes: the client reconnects by itself, sending the same POST
// with Last-Event-ID. It closes on the final event: an event named `final` (project chat's `done`) or a data-only
// event whose JSON `type` is `final` (genie's `finalizeResponseStream`), as the seeds say clients do.
//
// Usage: node post-sse-client.mjs <baseUrl> <path> <jwt> <bodyJson> <cutAfterBytes> <final>
// Prints one line of JSON: { events: [{ id, event, data }], requests: [{ line, lastEventId }], cut, errors }.
import { EventSource } from 'eventsource';
import { startCuttingProxy } from './cutting-proxy.mjs';

const [base, path, jwt, body, cutAfter, final] = process.argv.slice(2);
const target = new URL(base);
const proxy = await startCuttingProxy({
  targetHost: target.hostname,
  targetPort: Number(target.port),
  matches: line => line.startsWith(`POST ${path} `),
  afterBytes: Number(cutAfter),
});
const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 60_000);

const events = [];
const errors = [];
const es = new EventSource(`http://127.0.0.1:${proxy.port}${path}`, {
  fetch: (url, init) => fetch(url, {
    ...init,
    method: 'POST',
    headers: { ...(init.headers || {}), Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' },
    body,
  }),
});
function record(name) {
  return (ev) => {
    if (ev.data === undefined) return;
    events.push({ id: ev.lastEventId, event: name, data: ev.data });
    const type = name === 'message' ? JSON.parse(ev.data).type : undefined;
    if (name === final || type === final) {
      es.close();
      finish();
    }
  };
}
for (const name of ['message', 'error', final]) {
  es.addEventListener(name, record(name));
}
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
