// Seed 002's stream with a client we did not write: the `eventsource` npm client, its fetch sending the POST
// (method, JSON body, bearer token). It listens for the seed's named events (`message`, `done`, `error`). A proxy in
// front of the API cuts the first answer after `cutAfter` bytes: the client reconnects by itself with the same POST
// and Last-Event-ID. It closes on `done`.
//
// Usage: node project-chat-client.mjs <baseUrl> <jwt> <conversationId> <message> <cutAfterBytes>
// Prints one line of JSON: { events: [{ id, event, data }], requests: [{ line, lastEventId }], cut, errors }.
import { EventSource } from 'eventsource';
import { startCuttingProxy } from './cutting-proxy.mjs';

const [base, jwt, conversationId, message, cutAfter] = process.argv.slice(2);
const target = new URL(base);
const proxy = await startCuttingProxy({
  targetHost: target.hostname,
  targetPort: Number(target.port),
  matches: line => line.startsWith('POST /api/v1/chat/stream '),
  afterBytes: Number(cutAfter),
});
const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 60_000);

const events = [];
const errors = [];
const es = new EventSource(`http://127.0.0.1:${proxy.port}/api/v1/chat/stream`, {
  fetch: (url, init) => fetch(url, {
    ...init,
    method: 'POST',
    headers: { ...(init.headers || {}), Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      conversation_id: conversationId,
      message,
      project_id: 'demo',
      user_name: 'Ada',
      document_type: 'PROJECT_MANIFESTO',
      history: [],
      existing_documents: {},
      metadata: { client: 'eventsource' },
      simulation: { output_tokens: 120, tokens_per_second: 300 },
    }),
  }),
});
for (const name of ['message', 'error']) {
  es.addEventListener(name, (ev) => {
    if (ev.data !== undefined) {
      events.push({ id: ev.lastEventId, event: name, data: ev.data });
    }
  });
}
es.addEventListener('done', (ev) => {
  events.push({ id: ev.lastEventId, event: 'done', data: ev.data });
  es.close();
  finish();
});
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
