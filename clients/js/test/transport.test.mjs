// The transport against a running Runstream, with the AI SDK's own readUIMessageStream assembling the replies.
// Usage: node test/transport.test.mjs <baseUrl> <jwt>
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readUIMessageStream } from 'ai';
import { RunstreamChatTransport } from '../src/index.js';
import { startCuttingProxy } from '../../../launcher/src/test/node/cutting-proxy.mjs';

const [base, jwt] = process.argv.slice(2);
const slow = { simulation: { output_tokens: 150, tokens_per_second: 100 } };

function user(text) {
  return { id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text }] };
}

async function assemble(stream, onChunk) {
  let message;
  const chunks = [];
  const observed = stream.pipeThrough(new TransformStream({
    transform(chunk, controller) { chunks.push(chunk); onChunk?.(chunk, chunks.length); controller.enqueue(chunk); },
  }));
  for await (const m of readUIMessageStream({ stream: observed })) {
    message = m;
  }
  return { message, chunks };
}

function text(message) {
  return message.parts.filter(p => p.type === 'text').map(p => p.text).join('');
}

async function transcript(session) {
  const response = await fetch(`${base}/api/v1/sessions/${session}/messages?page_size=100`, {
    headers: { Authorization: `Bearer ${jwt}` },
  });
  return (await response.json()).results;
}

async function settled(session, index, status) {
  for (let i = 0; i < 100; i++) {
    const messages = await transcript(session);
    if (messages[index]?.status === status) return messages[index];
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`message ${index} of ${session} never became ${status}`);
}

test('a full turn and a follow-up, assembled by the AI SDK, equal the stored transcript', async () => {
  let session;
  const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, onSession: (_, s) => { session = s; },
    body: { simulation: { output_tokens: 40, tokens_per_second: 0 } } });
  const { message } = await assemble(await transport.sendMessages({ chatId: 'chat-1', messages: [user('Hello there')] }));
  assert.ok(session, 'the chat got a session');
  assert.equal(text(message), (await settled(session, 1, 'completed')).text);
  const again = await assemble(await transport.sendMessages({
    chatId: 'chat-1', messages: [user('Hello there'), message, user('And more?')] }));
  assert.equal(text(again.message), (await settled(session, 3, 'completed')).text);
});

test('a network drop mid-stream is resumed with Last-Event-ID: nothing lost, nothing twice', async () => {
  const target = new URL(base);
  const proxy = await startCuttingProxy({ targetHost: target.hostname, targetPort: Number(target.port),
    matches: line => line.startsWith('GET /api/v1/sessions/') && line.includes('/stream '), afterBytes: 1500 });
  try {
    let session;
    const transport = new RunstreamChatTransport({ baseUrl: `http://127.0.0.1:${proxy.port}`, token: jwt,
      onSession: (_, s) => { session = s; }, body: slow });
    const { message } = await assemble(await transport.sendMessages({ chatId: 'chat-drop', messages: [user('Tell a story')] }));
    assert.ok(proxy.state.cut, 'the proxy cut the stream');
    const streams = proxy.state.requests.filter(r => r.line.includes('/stream '));
    assert.equal(streams.length, 2);
    assert.ok(streams[1].lastEventId, 'the reconnection carried Last-Event-ID');
    assert.equal(text(message), (await settled(session, 1, 'completed')).text);
  } finally {
    proxy.close();
  }
});

test('stop() stops the model on the server', async () => {
  let session;
  const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, onSession: (_, s) => { session = s; },
    body: { simulation: { output_tokens: 2000, tokens_per_second: 50 } } });
  const abort = new AbortController();
  const stream = await transport.sendMessages({ chatId: 'chat-stop', messages: [user('Go on and on')], abortSignal: abort.signal });
  await assemble(stream, (chunk, n) => { if (n === 5) abort.abort(); }).catch(() => {});
  assert.equal((await settled(session, 1, 'cancelled')).status, 'cancelled');
});

// Issue #27: a stop that does not come from this reader (another tab, the runs API, transport.stop as the
// playground's Stop button does) ends the reply abort, data-usage, finish without a finishReason the SDK's schema
// refuses: the reply is a stopped message that keeps its text, not an error.
test('a stop from elsewhere ends the reply as a stopped message, not an error', async () => {
  let session;
  const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, onSession: (_, s) => { session = s; },
    body: { simulation: { output_tokens: 2000, tokens_per_second: 50 } } });
  const stream = await transport.sendMessages({ chatId: 'chat-stopped-elsewhere', messages: [user('Go on and on')] });
  let stopped;
  const { message, chunks } = await assemble(stream, (chunk, n) => {
    if (n === 8) stopped = transport.stop('chat-stopped-elsewhere');
  });
  assert.equal(await stopped, true);
  assert.deepEqual(chunks.slice(-3).map(chunk => chunk.type), ['abort', 'data-usage', 'finish']);
  assert.equal(chunks.at(-1).finishReason, undefined);
  assert.ok(chunks.at(-2).data.outputTokens > 0, 'the usage spent up to the stop');
  // Read at once: the stored message already says what the stream said.
  const stored = (await transcript(session))[1];
  assert.equal(stored.status, 'cancelled');
  assert.ok(text(message).length > 0);
  assert.equal(text(message), stored.text);
});

test('after a reload, reconnectToStream resumes the live run; once it ended, there is nothing to resume', async () => {
  let session;
  const first = new RunstreamChatTransport({ baseUrl: base, token: jwt, onSession: (_, s) => { session = s; }, body: slow });
  const stream = await first.sendMessages({ chatId: 'chat-reload', messages: [user('A long answer please')] });
  const reader = stream.getReader();
  await reader.read();
  await reader.cancel();
  // The page reloads a moment later (the run goes on meanwhile): a new transport, the chat id is the session's uuid.
  await new Promise(r => setTimeout(r, 300));
  const urls = [];
  const recording = (url, init) => { urls.push(String(url)); return fetch(url, init); };
  const reloaded = new RunstreamChatTransport({ baseUrl: base, token: jwt, fetch: recording });
  const resumed = await reloaded.reconnectToStream({ chatId: session });
  assert.ok(resumed, 'the live run is resumed');
  const { message, chunks } = await assemble(resumed);
  assert.equal(text(message), (await settled(session, 1, 'completed')).text);
  // The reload asked for a compact catch-up: what it was behind by came merged, so fewer deltas than the raw replay.
  assert.ok(urls.some(url => url.endsWith(`/api/v1/sessions/${session}/stream?compact=true`)), urls.join(' '));
  const raw = await (await fetch(`${base}/api/v1/sessions/${session}/stream`, {
    headers: { Authorization: `Bearer ${jwt}` } })).text();
  const rawDeltas = raw.split('\n').filter(line => line.startsWith('data: {"type":"text-delta"')).length;
  const deltas = chunks.filter(chunk => chunk.type === 'text-delta').length;
  assert.ok(deltas < rawDeltas, `compact ${deltas} deltas, raw ${rawDeltas}`);
  assert.equal(await reloaded.reconnectToStream({ chatId: session }), null);
});

test('a 503 with Retry-After (a node shedding a storm of openings) is retried after the time it gives', async () => {
  let session;
  const opened = [];
  // the node answers the first opening of the stream 503, as StreamAdmission does when too many streams are opening
  const shedding = async (url, init) => {
    if (String(url).endsWith('/stream')) {
      opened.push(Date.now());
      if (opened.length === 1) {
        return new Response(JSON.stringify({ code: 'streams_busy' }), {
          status: 503, headers: { 'Retry-After': '1', 'Content-Type': 'application/problem+json' } });
      }
    }
    return fetch(url, init);
  };
  const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, fetch: shedding,
    onSession: (_, s) => { session = s; }, body: { simulation: { output_tokens: 30, tokens_per_second: 0 } } });
  const { message } = await assemble(await transport.sendMessages({ chatId: 'chat-503', messages: [user('Hi')] }));
  assert.equal(opened.length, 2, 'opened again after the 503');
  assert.ok(opened[1] - opened[0] >= 1000, 'not before Retry-After');
  assert.equal(text(message), (await settled(session, 1, 'completed')).text);
});
