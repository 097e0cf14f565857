// Drives the real `eventsource` client through a dropped connection, an automatic resume with
// Last-Event-ID and the final 204, authenticated by the runstream_token cookie alone.
//
// Usage: node eventsource-resume.mjs <baseUrl> <sessionId> <jwt>
//
// Prints one line of JSON on stdout and exits 0 once the EventSource was closed (or failed) by the server;
// exits non-zero only on a crash or the overall timeout (the partial state then goes to stderr).
import net from 'node:net';
import { EventSource } from 'eventsource';

const CUT_AFTER_EVENTS = 8;
const OVERALL_TIMEOUT_MS = 60_000;
const SLICE_BYTES = 64;
const SLICE_PAUSE_MS = 5;

const [baseUrl, sessionId, jwt] = process.argv.slice(2);
if (!baseUrl || !sessionId || !jwt) {
  console.error('usage: node eventsource-resume.mjs <baseUrl> <sessionId> <jwt>');
  process.exit(64);
}
const target = new URL(baseUrl);
const targetHost = target.hostname;
const targetPort = Number(target.port || 80);

const events = []; // { id, data } of every message event, in order
const requests = []; // one per HTTP request seen by the proxy: { connection, lastEventId, cookie, authorization }
const errors = []; // every error event the EventSource dispatched
const sockets = []; // [client, upstream] per TCP connection, in order
let cutRequested = false;
let cut = false;
let receivedBeforeCut = null;
let closedBy204 = false;

// --- the proxy: forwards bytes both ways, parses request heads, cuts the first TCP connection on demand ---

function parseRequestHeads(connection, state, chunk) {
  state.buffer = Buffer.concat([state.buffer, chunk]);
  for (;;) {
    if (state.skip > 0) {
      const skipped = Math.min(state.skip, state.buffer.length);
      state.buffer = state.buffer.subarray(skipped);
      state.skip -= skipped;
      if (state.skip > 0) return;
    }
    const end = state.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = state.buffer.subarray(0, end).toString('latin1');
    state.buffer = state.buffer.subarray(end + 4);
    const [requestLine, ...lines] = head.split('\r\n');
    const headers = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    requests.push({
      connection,
      requestLine,
      lastEventId: headers['last-event-id'] ?? null,
      cookie: (headers.cookie ?? '').split(/;\s*/).some((c) => c.startsWith('runstream_token=')),
      authorization: 'authorization' in headers,
    });
    state.skip = Number(headers['content-length'] ?? 0);
  }
}

function cutFirstConnection() {
  if (cut || sockets.length === 0) return;
  cut = true;
  const [client, upstream] = sockets[0];
  client.destroy();
  upstream.destroy();
}

const proxy = net.createServer((client) => {
  const connection = sockets.length;
  const upstream = net.connect(targetPort, targetHost);
  sockets.push([client, upstream]);
  const state = { buffer: Buffer.alloc(0), skip: 0 };
  client.on('data', (chunk) => {
    parseRequestHeads(connection, state, chunk);
    upstream.write(chunk);
  });
  if (connection === 0) {
    // The first connection trickles to the client in small slices, the flag checked between them, so that the
    // cut lands after about CUT_AFTER_EVENTS events even when the server sends the whole stream in one go.
    upstream.on('data', async (chunk) => {
      upstream.pause();
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
        if (cutRequested) {
          cutFirstConnection();
          return;
        }
        client.write(chunk.subarray(at, at + SLICE_BYTES));
        await new Promise((resolve) => setTimeout(resolve, SLICE_PAUSE_MS));
      }
      if (cutRequested) {
        cutFirstConnection();
        return;
      }
      upstream.resume();
    });
  } else {
    upstream.on('data', (chunk) => client.write(chunk));
  }
  client.on('end', () => upstream.end());
  upstream.on('end', () => client.end());
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});

await new Promise((resolve, reject) => {
  proxy.once('error', reject);
  proxy.listen(0, '127.0.0.1', resolve);
});
const proxyUrl = `http://127.0.0.1:${proxy.address().port}`;

// --- the client ---

function result() {
  return {
    events,
    connections: requests.length,
    tcpConnections: sockets.length,
    lastEventIds: requests.map((r) => r.lastEventId),
    cookies: requests.map((r) => r.cookie),
    authorizations: requests.map((r) => r.authorization),
    cut,
    receivedBeforeCut,
    closedBy204,
    errors,
  };
}

let finished = false;
function finish(code, line, stream) {
  if (finished) return;
  finished = true;
  clearTimeout(timeout);
  source.close();
  proxy.close();
  for (const pair of sockets) for (const socket of pair) socket.destroy();
  stream.write(line + '\n', () => process.exit(code));
}

const source = new EventSource(`${proxyUrl}/api/v1/sessions/${encodeURIComponent(sessionId)}/stream`, {
  // Cookie only: the wrapper adds the token as a cookie and nothing else.
  fetch: (url, init) =>
    fetch(url, { ...init, headers: { ...init.headers, Cookie: `runstream_token=${jwt}` } }),
});

source.addEventListener('message', (event) => {
  events.push({ id: event.lastEventId, data: event.data });
  if (!cutRequested && events.length >= CUT_AFTER_EVENTS) {
    cutRequested = true;
    cutFirstConnection(); // also cut at once, should no further bytes come on the first connection
  }
});

source.addEventListener('error', (event) => {
  if (cut && receivedBeforeCut === null) receivedBeforeCut = events.length;
  errors.push({ code: event.code ?? null, message: event.message ?? null, readyState: source.readyState });
  if (source.readyState === EventSource.CLOSED) {
    closedBy204 = event.code === 204;
    finish(0, JSON.stringify(result()), process.stdout);
  }
});

const timeout = setTimeout(() => {
  finish(2, 'timed out after ' + OVERALL_TIMEOUT_MS + ' ms: ' + JSON.stringify(result()), process.stderr);
}, OVERALL_TIMEOUT_MS);
