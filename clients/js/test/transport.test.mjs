// The transport against a running Runstream, with the AI SDK's own readUIMessageStream assembling the replies and
// its own AbstractChat (what useChat runs) driving the requests.
// Usage: node test/transport.test.mjs <baseUrl> <jwt>
// On another AI SDK: RUNSTREAM_AI_SDK=<folder with node_modules/ai> node --import ./test/ai-from.mjs test/... (the
// suite runs it so on ai 6 and 7; RUNSTREAM_AI_SDK_VERSION, if set, is the version prefix the run must be on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as aiSdk from 'ai';
import { AbstractChat, readUIMessageStream } from 'ai';
import { RunstreamChatTransport } from '../src/index.js';
import { startCuttingProxy } from '../../../launcher/src/test/node/cutting-proxy.mjs';

const [base, jwt] = process.argv.slice(2);
const aiUrl = import.meta.resolve('ai');
const aiPackage = aiUrl.slice(0, aiUrl.lastIndexOf('/node_modules/ai/') + '/node_modules/ai/'.length) + 'package.json';
const aiVersion = JSON.parse(readFileSync(new URL(aiPackage), 'utf8')).version;
const slow = { simulation: { output_tokens: 150, tokens_per_second: 100 } };
const aiMajor = Number(aiVersion.split('.')[0]);

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

// The chat useChat runs (the SDK's AbstractChat) on a plain state: sendMessage, regenerate and their options reach
// the transport exactly as the SDK of this version passes them.
class MemoryState {
  constructor() { this.messages = []; this.status = 'ready'; this.error = undefined; }
  pushMessage(message) { this.messages = this.messages.concat(message); }
  popMessage() { this.messages = this.messages.slice(0, -1); }
  replaceMessage(index, message) { this.messages = this.messages.with(index, message); }
  snapshot(thing) { return structuredClone(thing); }
}

class TestChat extends AbstractChat {
  constructor(init) { super({ ...init, state: new MemoryState() }); }
}

async function settle(chat) {
  assert.equal(chat.status, 'ready', `the chat ended ${chat.status}: ${chat.error?.stack ?? ''}`);
}

// A fetch that keeps every request it passes on: what the server received.
function recording() {
  const requests = [];
  const recorder = async (url, init = {}) => {
    requests.push({ url: String(url).replace(base, ''), method: init.method ?? 'GET', headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined });
    return fetch(url, init);
  };
  return { requests, fetch: recorder };
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

test(`the AI SDK under test is ai ${aiVersion}`, () => {
  const wanted = process.env.RUNSTREAM_AI_SDK_VERSION;
  if (wanted) assert.ok(aiVersion.startsWith(wanted), `ai ${aiVersion} is not ${wanted}`);
});

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

test("useChat's headers, body and metadata reach the server with the message", async () => {
  const { requests, fetch: recorder } = recording();
  let session;
  const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, fetch: recorder,
    onSession: (_, s) => { session = s; }, headers: { 'X-App': 'tests' },
    body: { simulation: { output_tokens: 20, tokens_per_second: 0 } } });
  const chat = new TestChat({ id: 'chat-options', transport });
  await chat.sendMessage({ text: 'First' }, {
    headers: { 'X-Request-Tag': 'tag-1' },
    body: { simulation: { output_tokens: 12, tokens_per_second: 0 } },
    metadata: { topic: 'billing' } });
  await settle(chat);
  await chat.sendMessage({ text: 'Second' }, { headers: new Headers({ 'X-Request-Tag': 'tag-2' }), metadata: { topic: 'refunds' } });
  await settle(chat);

  const created = requests.find(r => r.method === 'POST' && r.url === '/api/v1/sessions');
  const followUp = requests.find(r => r.method === 'POST' && r.url === `/api/v1/sessions/${session}/messages`);
  assert.deepEqual(created.body, { simulation: { output_tokens: 12, tokens_per_second: 0 }, metadata: { topic: 'billing' }, text: 'First' });
  assert.deepEqual(followUp.body, { simulation: { output_tokens: 20, tokens_per_second: 0 }, metadata: { topic: 'refunds' }, text: 'Second' });
  const streams = requests.filter(r => r.url.endsWith('/stream'));
  assert.equal(streams.length, 2);
  for (const [request, tag] of [[created, 'tag-1'], [streams[0], 'tag-1'], [followUp, 'tag-2'], [streams[1], 'tag-2']]) {
    assert.equal(request.headers.get('X-Request-Tag'), tag, request.url);
    assert.equal(request.headers.get('X-App'), 'tests', request.url);
    assert.equal(request.headers.get('Authorization'), `Bearer ${jwt}`, request.url);
  }
  // What the server made of it: the body's simulation paced the first answer, the metadata is the messages'.
  const stored = await transcript(session);
  assert.equal(stored.length, 4);
  assert.deepEqual(stored[0].metadata, { topic: 'billing' });
  assert.deepEqual(stored[2].metadata, { topic: 'refunds' });
  assert.equal(stored[1].usage.output_tokens, 12);
  assert.equal(stored[3].usage.output_tokens, 20);
  assert.equal(text(chat.messages[3]), (await settled(session, 3, 'completed')).text);
});

test('regenerate() asks again without the regenerated answer, in the same session, and shows the new answer', async () => {
  const { requests, fetch: recorder } = recording();
  let session;
  const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, fetch: recorder,
    onSession: (_, s) => { session = s; }, body: { simulation: { output_tokens: 15, tokens_per_second: 0 } } });
  const chat = new TestChat({ id: 'chat-regenerate', transport });
  await chat.sendMessage({ text: 'Question one' });
  await settle(chat);
  await chat.sendMessage({ text: 'Question two' });
  await settle(chat);
  const [, first, , regenerated] = chat.messages;
  requests.length = 0;

  await chat.regenerate();
  await settle(chat);

  assert.equal(chat.messages.length, 4, 'the new answer replaced the regenerated one');
  assert.notEqual(chat.messages[3].id, regenerated.id);
  const posts = requests.filter(r => r.method === 'POST');
  assert.equal(posts.length, 1);
  assert.equal(posts[0].url, '/api/v1/runs', 'not a new message of the session');
  assert.deepEqual(posts[0].body, { simulation: { output_tokens: 15, tokens_per_second: 0 }, input: 'Question two',
    history: [{ role: 'user', content: 'Question one' }, { role: 'assistant', content: text(first) }],
    session_uuid: session });
  // The server keeps its transcript: the earlier answer stays, the question is recorded again with the new answer.
  const stored = await transcript(session);
  assert.deepEqual(stored.map(m => [m.sender_role, m.sender_role === 'user' ? m.text : m.status]),
    [['user', 'Question one'], ['agent', 'completed'], ['user', 'Question two'], ['agent', 'completed'],
      ['user', 'Question two'], ['agent', 'completed']]);
  assert.equal(stored[3].text, text(regenerated));
  assert.equal(text(chat.messages[3]), (await settled(session, 5, 'completed')).text);

  // Regenerating an earlier answer (messageId): the chat is cut there, the history is what came before it.
  requests.length = 0;
  await chat.regenerate({ messageId: first.id });
  await settle(chat);
  assert.equal(chat.messages.length, 2);
  assert.deepEqual(requests.find(r => r.method === 'POST').body.history, []);
  assert.equal(requests.find(r => r.method === 'POST').body.input, 'Question one');
  assert.equal(text(chat.messages[1]), (await settled(session, 7, 'completed')).text);
});

test('editing a message (sendMessage with its messageId) asks the edited question on the history before it', async () => {
  const { requests, fetch: recorder } = recording();
  let session;
  const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, fetch: recorder,
    onSession: (_, s) => { session = s; }, body: { simulation: { output_tokens: 15, tokens_per_second: 0 } } });
  const chat = new TestChat({ id: 'chat-edit', transport });
  await chat.sendMessage({ text: 'Question one' });
  await settle(chat);
  await chat.sendMessage({ text: 'Question two' });
  await settle(chat);
  const first = chat.messages[1];
  requests.length = 0;

  await chat.sendMessage({ text: 'Question two, better put', messageId: chat.messages[2].id });
  await settle(chat);

  assert.deepEqual(chat.messages.map(m => m.role), ['user', 'assistant', 'user', 'assistant']);
  const post = requests.filter(r => r.method === 'POST');
  assert.equal(post.length, 1);
  assert.equal(post[0].url, '/api/v1/runs');
  assert.equal(post[0].body.input, 'Question two, better put');
  assert.equal(post[0].body.session_uuid, session);
  assert.deepEqual(post[0].body.history, [{ role: 'user', content: 'Question one' }, { role: 'assistant', content: text(first) }]);
  assert.equal(text(chat.messages[3]), (await settled(session, 5, 'completed')).text);
});

test('file parts go to the run as files: the server reads them and the reply says so', async () => {
  const { requests, fetch: recorder } = recording();
  let session;
  const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, fetch: recorder,
    onSession: (_, s) => { session = s; }, body: { simulation: { output_tokens: 15, tokens_per_second: 0 } } });
  const chat = new TestChat({ id: 'chat-files', transport });
  const notes = `data:text/plain;base64,${Buffer.from('The launch is on Tuesday.').toString('base64')}`;
  await chat.sendMessage({ text: 'Summarise my notes', files: [
    { type: 'file', mediaType: 'text/plain', filename: 'notes.txt', url: notes }] });
  await settle(chat);
  await chat.sendMessage({ text: 'Thanks' });
  await settle(chat);

  const run = requests.find(r => r.method === 'POST' && r.url === '/api/v1/runs');
  assert.deepEqual(run.body, { simulation: { output_tokens: 15, tokens_per_second: 0 }, input: 'Summarise my notes',
    files: [{ name: 'notes.txt', content: notes, mediaType: 'text/plain' }] });
  const docs = chat.messages[1].parts.filter(part => part.type === 'data-doc').map(part => [part.data.stage, part.data.fileName]);
  assert.deepEqual(docs.at(-1), ['extract_completed', 'notes.txt'], JSON.stringify(chat.messages[1].parts));
  assert.ok(!docs.some(([stage]) => stage === 'extract_failed'));
  assert.equal(text(chat.messages[1]), (await settled(session, 1, 'completed')).text);
  // The follow-up, without files, continues the same session.
  assert.ok(requests.some(r => r.method === 'POST' && r.url === `/api/v1/sessions/${session}/messages`));
  assert.equal(text(chat.messages[3]), (await settled(session, 3, 'completed')).text);
});

async function until(condition, what) {
  for (let i = 0; i < 300; i++) {
    if (condition()) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

test('tool approvals: useChat shows the request, addToolApprovalResponse goes through the transport, the run goes on',
  { skip: aiMajor < 6 && 'ai 5 has no tool approvals' }, async () => {
    const { requests, fetch: recorder } = recording();
    let session;
    // Every message's simulated model calls approval.transfer (a server tool configured needs-approval), then writes.
    const transport = new RunstreamChatTransport({ baseUrl: base, token: jwt, fetch: recorder,
      onSession: (_, s) => { session = s; },
      body: { simulation: { tokens_per_second: 0, script: [
        { type: 'call', name: 'approval.transfer', input: { amount: 5 } }, { type: 'text', text: 'All done.' }] } } });
    const chat = new TestChat({ id: 'chat-approvals', transport,
      sendAutomaticallyWhen: aiSdk.lastAssistantMessageIsCompleteWithApprovalResponses });
    const transfer = message => message.parts.find(part => part.type === 'tool-approval.transfer');

    // Approved: the call runs and the model goes on, in the same assistant message.
    await chat.sendMessage({ text: 'Send 5 to Bob' });
    await settle(chat);
    assert.equal(transfer(chat.messages[1]).state, 'approval-requested', JSON.stringify(chat.messages[1].parts));
    const approvalId = transfer(chat.messages[1]).approval.id;
    await chat.addToolApprovalResponse({ id: approvalId, approved: true });
    await until(() => chat.status === 'ready' && text(chat.messages.at(-1)).includes('All done.'), 'the approved reply');
    assert.equal(chat.messages.length, 2, 'the reply went on in the same message');
    assert.equal(transfer(chat.messages[1]).state, 'output-available');
    assert.deepEqual(transfer(chat.messages[1]).output, { transferred: 5 });
    const posted = requests.filter(r => r.method === 'POST' && r.url.endsWith('/tool-approvals'));
    assert.equal(posted.length, 1);
    assert.deepEqual(posted[0].body, { approvalId, approved: true });
    assert.equal(text(chat.messages[1]), (await settled(session, 1, 'completed')).text);

    // Denied, with a reason: the model is told, the call never runs.
    await chat.sendMessage({ text: 'Send 5 more' });
    await settle(chat);
    const second = transfer(chat.messages[3]);
    assert.equal(second.state, 'approval-requested');
    await chat.addToolApprovalResponse({ id: second.approval.id, approved: false, reason: 'Not today' });
    await until(() => chat.status === 'ready' && text(chat.messages.at(-1)).includes('All done.'), 'the denied reply');
    assert.equal(transfer(chat.messages[3]).state, 'output-denied');
    assert.deepEqual(requests.filter(r => r.url.endsWith('/tool-approvals')).at(-1).body,
      { approvalId: second.approval.id, approved: false, reason: 'Not today' });
    await settled(session, 3, 'completed');
  });

test('tool approvals after a reload: the replay goes past an answered approval and pauses at the waiting one',
  { skip: aiMajor < 6 && 'ai 5 has no tool approvals' }, async () => {
    let session;
    // Two steps, each with a call that waits for approval.
    const script = [{ type: 'call', name: 'approval.transfer', input: { amount: 1 } }, { type: 'text', text: 'Next.' },
      { type: 'call', name: 'approval.transfer', input: { amount: 2 } }, { type: 'text', text: 'Both done.' }];
    const first = new RunstreamChatTransport({ baseUrl: base, token: jwt, onSession: (_, s) => { session = s; },
      body: { simulation: { tokens_per_second: 0, script } } });
    const { chunks } = await assemble(await first.sendMessages({ chatId: 'chat-approval-reload', messages: [user('Pay')] }));
    const request = chunks.at(-1);
    assert.equal(request.type, 'tool-approval-request');
    const run = request.approvalId.slice(0, 36);
    const answered = await fetch(`${base}/api/v1/runs/${run}/tool-approvals`, { method: 'POST',
      headers: { Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ approvalId: request.approvalId, approved: true }) });
    assert.equal(answered.status, 202);

    // A reload: a new transport resumes the session's live run from its first event.
    const reloaded = new RunstreamChatTransport({ baseUrl: base, token: jwt });
    const replay = await assemble(await reloaded.reconnectToStream({ chatId: session }));
    const requests = replay.chunks.filter(chunk => chunk.type === 'tool-approval-request');
    assert.equal(requests.length, 2, JSON.stringify(replay.chunks.map(chunk => chunk.type)));
    assert.equal(replay.chunks.at(-1).type, 'tool-approval-request');
    assert.ok(replay.chunks.some(chunk => chunk.type === 'tool-output-available' && chunk.output?.transferred === 1));
    const waiting = replay.message.parts.filter(part => part.state === 'approval-requested');
    assert.equal(waiting.length, 1);
    assert.equal(waiting[0].approval.id, replay.chunks.at(-1).approvalId);
  });
