// A ChatTransport for the Vercel AI SDK (useChat) against Runstream's sessions API (docs/faces/canonical.md; the rules
// every face keeps: docs/faces/README.md).
//
// - sendMessages: the chat's first message creates a session (POST /api/v1/sessions), later ones post to it
//   (POST /api/v1/sessions/{uuid}/messages); the reply is read from the session's stream_url and parsed with the AI
//   SDK's own parseJsonEventStream and uiMessageChunkSchema.
// - A message with file parts, a regenerated answer (trigger 'regenerate-message') and an edited message (a
//   'submit-message' with a messageId) are runs of the session (POST /api/v1/runs with session_uuid): file parts go
//   in `files`; for a regeneration or an edit the chat's earlier messages go in `history`, so the model answers the
//   conversation useChat shows (without the answer being regenerated). Runstream has no in-place regeneration: the
//   stored transcript keeps the earlier answer and records the question again before the new answer.
// - The request options of useChat (headers, body, metadata) go with every request of that call: headers to the
//   HTTP requests, body's fields into the request's JSON, metadata as the message's metadata (a JSON object).
// - The stream survives network drops: it remembers the last event id and reconnects with Last-Event-ID (after the
//   server's retry: delay), so nothing is lost or repeated; 204 means the reader had everything.
// - reconnectToStream (useChat({ resume: true }) after a reload): the session's live run from its first event, or
//   null when no run of the chat is live. It asks for a compact catch-up (?compact=true, docs/faces/canonical.md):
//   what the run wrote before the reload comes with each part's consecutive deltas merged into one, the rest live as
//   usual.
// - Stop (useChat's stop(), i.e. the abort signal) stops the model on the server (POST .../stream/stop).
// - Tool approvals (ai 6 and 7): when every open tool call of the step waits for approval (tool-approval-request),
//   the reply useChat reads ends there (the run is parked on the server, no need to hold the connection); useChat's
//   addToolApprovalResponse then sends the chat again (sendAutomaticallyWhen:
//   lastAssistantMessageIsCompleteWithApprovalResponses), and the transport posts each answer to
//   POST /api/v1/runs/{uuid}/tool-approvals and reads the rest of the run into the same message, from where it
//   ended: the approved calls' results (or tool-output-denied), then the model going on.
// - A 503 with Retry-After (a node shedding a storm of stream openings) is retried after the time it gives.
// A chat id that is a session's uuid addresses that session (so a page can reload into /chat/<uuid>).
import { parseJsonEventStream, uiMessageChunkSchema } from 'ai';
import { EventSourceParserStream } from 'eventsource-parser/stream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The most history entries a run takes (docs/faces/README.md, Limits).
const MAX_HISTORY = 100;
// After the approval requests of a step, this long without another event means the run is parked (a replay of an
// earlier, answered step goes on at once).
const PARKED_AFTER_MS = 300;

export class RunstreamChatTransport {
  /**
   * @param {object} options
   * @param {string} options.baseUrl Runstream's base URL, e.g. http://localhost:8080
   * @param {string | (() => string | Promise<string>)} options.token the bearer token (or a function giving it)
   * @param {typeof fetch} [options.fetch] the fetch to use
   * @param {(chatId: string, sessionUuid: string) => void} [options.onSession] told a new chat's session uuid
   * @param {number} [options.maxReconnects] reconnections of one stream before it fails (default 10)
   * @param {object} [options.body] extra fields of every message's request (model, instructions, metadata,
   *   simulation, multitask_strategy)
   * @param {Record<string, string> | Headers | (() => Record<string, string> | Headers | Promise<...>)} [options.headers]
   *   extra headers of every request
   * @param {boolean} [options.stopOnAbort] whether aborting a reply (useChat's stop(), which the AI SDK also calls
   *   when the chat unmounts) stops the run on the server (default true); with false, only {@link stop} stops it, so
   *   an app that leaves a chat lets its reply finish
   */
  constructor({ baseUrl, token, fetch: fetchFn, onSession, maxReconnects = 10, body = {}, headers, stopOnAbort = true }) {
    this.stopOnAbort = stopOnAbort;
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.token = token;
    this.fetch = fetchFn ?? globalThis.fetch.bind(globalThis);
    this.onSession = onSession;
    this.maxReconnects = maxReconnects;
    this.body = body;
    this.extraHeaders = headers;
    this.sessions = new Map();
    // chatId -> { url, lastEventId }: where a reply that paused for tool approvals goes on.
    this.paused = new Map();
    // chatId -> the uuid of the run the transport last started for it.
    this.runs = new Map();
  }

  /** reconnectToStream replays the live run from its first event (the AI SDK then resets the message it streams). */
  get resumeStreamIsReplay() {
    return true;
  }

  /** The session uuid of a chat, if known. */
  sessionOf(chatId) {
    return this.sessions.get(chatId) ?? (UUID.test(chatId) ? chatId : undefined);
  }

  /** The headers of a request: the bearer token, the transport's headers, then the call's (useChat's) headers. */
  async headers(extra = {}, callHeaders) {
    const token = typeof this.token === 'function' ? await this.token() : this.token;
    const configured = typeof this.extraHeaders === 'function' ? await this.extraHeaders() : this.extraHeaders;
    return { Authorization: `Bearer ${token}`, ...plain(configured), ...plain(callHeaders), ...extra };
  }

  /**
   * useChat's request: a new user message (trigger 'submit-message'), an edited one ('submit-message' with the
   * messageId of the user message it replaces) or a regenerated answer ('regenerate-message'; messages then end
   * before the answer being regenerated).
   */
  async sendMessages({ chatId, messages, abortSignal, trigger = 'submit-message', messageId, headers, body, metadata }) {
    if (trigger !== 'submit-message' && trigger !== 'regenerate-message') {
      throw new Error(`Runstream's transport does not know the trigger '${trigger}'`);
    }
    const call = { headers };
    const answered = approvalsOf(messages[messages.length - 1]);
    if (answered.length > 0) {
      return this.answerApprovals(chatId, answered, abortSignal, call);
    }
    let upTo = messages;
    if (trigger === 'regenerate-message' && messageId != null) {
      // useChat has already cut the chat before the answer; a caller that has not is cut here.
      const at = messages.findIndex(message => message.id === messageId && message.role === 'assistant');
      if (at >= 0) upTo = messages.slice(0, at);
    }
    const lastUserAt = upTo.length - 1;
    if (upTo[lastUserAt]?.role !== 'user') {
      // useChat sends a chat ending with its answer after a client tool's result; Runstream takes those on the run
      // itself (POST /api/v1/runs/{uuid}/tool-results), which this transport does not do.
      throw new Error('Runstream answers a user message: the chat does not end with one '
        + '(client tool results are not sent by this transport)');
    }
    // A regeneration or an edit (the messageId of the user message it replaces): the server's transcript is not
    // the chat's any more, so the run takes the chat's earlier messages as its history.
    const rewritten = trigger === 'regenerate-message' || messageId != null;
    const last = upTo[lastUserAt];
    const text = textOf(last);
    const files = filesOf(last);
    const fields = { ...this.body, ...(body ?? {}) };
    const meta = metadataOf(this.body?.metadata, body?.metadata, metadata);
    if (meta !== undefined) fields.metadata = meta;

    let session = this.sessionOf(chatId);
    let answer;
    if (files.length > 0 || rewritten) {
      // A run of the session: files, and for a regeneration or an edit the history the chat shows.
      const run = { ...fields, input: text };
      if (files.length > 0) run.files = files;
      if (rewritten) run.history = historyOf(upTo.slice(0, lastUserAt));
      if (session) {
        answer = await this.post('/api/v1/runs', { ...run, session_uuid: session }, abortSignal, call);
      }
      if (!session || answer.status === 404) {
        answer = await this.post('/api/v1/runs', run, abortSignal, call);
        session = this.remember(chatId, answer.json.session_uuid);
      }
    } else {
      if (session) {
        answer = await this.post(`/api/v1/sessions/${session}/messages`, { ...fields, text }, abortSignal, call);
      }
      if (!session || answer.status === 404) {
        answer = await this.post('/api/v1/sessions', { ...fields, text }, abortSignal, call);
        session = this.remember(chatId, answer.json.uuid);
      }
    }
    if (answer.json?.run_uuid) this.runs.set(chatId, answer.json.run_uuid);
    if (this.stopOnAbort) {
      abortSignal?.addEventListener('abort', () => { this.stop(chatId, call).catch(() => {}); }, { once: true });
    }
    return this.stream(`${this.baseUrl}/api/v1/sessions/${session}/stream`, undefined, abortSignal, false, call,
      chatId);
  }

  /**
   * useChat's request after addToolApprovalResponse: each answer goes to the run (POST .../tool-approvals; an answer
   * posted before is harmless), then the reply goes on from where it paused.
   */
  async answerApprovals(chatId, answered, abortSignal, call) {
    const paused = this.paused.get(chatId);
    if (!paused) {
      throw new Error('Runstream: this chat has no reply waiting for tool approvals');
    }
    for (const approval of answered) {
      const run = runOf(approval.id) ?? this.runs.get(chatId);
      const body = { approvalId: approval.id, approved: approval.approved === true };
      if (approval.reason != null && approval.reason !== '') body.reason = String(approval.reason);
      const answer = await this.post(`/api/v1/runs/${run}/tool-approvals`, body, abortSignal, call);
      if (answer.status === 404) {
        throw new Error(`Runstream answered 404: ${answer.json?.detail ?? 'no such approval'}`);
      }
    }
    this.paused.delete(chatId);
    if (this.stopOnAbort) {
      abortSignal?.addEventListener('abort', () => { this.stop(chatId, call).catch(() => {}); }, { once: true });
    }
    return this.stream(paused.url, paused.lastEventId, abortSignal, false, call, chatId);
  }

  remember(chatId, session) {
    if (this.sessions.get(chatId) !== session) {
      this.sessions.set(chatId, session);
      this.onSession?.(chatId, session);
    }
    return session;
  }

  async reconnectToStream({ chatId, abortSignal, headers }) {
    const call = { headers };
    const session = this.sessionOf(chatId);
    if (!session || !(await this.live(session, call))) {
      return null;
    }
    // Compact: the reader is behind by the whole reply so far; every id it sees is still a resume point.
    return this.stream(`${this.baseUrl}/api/v1/sessions/${session}/stream?compact=true`, undefined, abortSignal, true,
      call, chatId);
  }

  /** Stops the chat's live run on the server (the model stops); true if one was stopped. */
  async stop(chatId, call = {}) {
    const session = this.sessionOf(chatId);
    if (!session) {
      return false;
    }
    const answer = await this.post(`/api/v1/sessions/${session}/stream/stop`, {}, undefined, call);
    return answer.json?.stopped === true;
  }

  /** Whether the session's latest agent message is still being written. */
  async live(session, call = {}) {
    const first = await this.get(`/api/v1/sessions/${session}/messages?page=1&page_size=1`, call);
    if (first.status !== 200 || first.json.count === 0) {
      return false;
    }
    const last = await this.get(`/api/v1/sessions/${session}/messages?page=${first.json.count}&page_size=1`, call);
    const message = last.json.results?.[0];
    return message?.sender_role === 'agent' && message?.status === 'streaming';
  }

  async post(path, body, signal, call = {}) {
    const response = await this.fetch(`${this.baseUrl}${path}`, {
      method: 'POST', headers: await this.headers({ 'Content-Type': 'application/json' }, call.headers),
      body: JSON.stringify(body), signal,
    });
    const json = await response.json().catch(() => null);
    if (!response.ok && response.status !== 404) {
      const field = json?.errors ? ' ' + JSON.stringify(json.errors) : '';
      throw new Error(`Runstream answered ${response.status}: ${json?.detail ?? json?.title ?? ''}${field}`);
    }
    return { status: response.status, json };
  }

  async get(path, call = {}) {
    const response = await this.fetch(`${this.baseUrl}${path}`, { headers: await this.headers({}, call.headers) });
    return { status: response.status, json: await response.json().catch(() => null) };
  }

  /**
   * The run's UI message chunks from `url`, across reconnections: each connection's bytes are parsed by the AI SDK
   * (parseJsonEventStream, uiMessageChunkSchema) while a second reader of the same bytes keeps the last event id;
   * a connection that ends before `[DONE]` is resumed after that id.
   */
  async stream(url, lastEventId, outerSignal, allowEmpty = false, call = {}, chatId = undefined) {
    const transport = this;
    // The open tool calls of the current step: toolCallId -> whether it waits for an approval.
    let open = new Map();
    // Aborted by the caller's signal or by cancelling the returned stream.
    const inner = new AbortController();
    outerSignal?.addEventListener('abort', () => inner.abort(outerSignal.reason), { once: true });
    const signal = inner.signal;
    const first = await this.open(url, lastEventId, signal, call);
    if (first === null) {
      if (allowEmpty) {
        return null;
      }
      throw new Error('Runstream has no live run for this chat');
    }
    return new ReadableStream({
      cancel(reason) {
        inner.abort(reason);
      },
      async start(controller) {
        let connection = first;
        let state = { lastEventId, done: false, retry: 1000 };
        for (let reconnects = 0; ; ) {
          const reader = connection.chunks.getReader();
          let read = 0;
          let next = null;
          try {
            for (;;) {
              const { done, value } = await (next ?? reader.read());
              next = null;
              if (done) break;
              read++;
              if (signal.aborted) {
                if (outerSignal?.aborted) controller.error(outerSignal.reason);
                return;
              }
              if (value.success) {
                controller.enqueue(value.value);
                const chunk = value.value;
                if (chunk.type === 'start-step') {
                  open = new Map();
                } else if (chunk.type === 'tool-input-start' || chunk.type === 'tool-input-available') {
                  if (!open.has(chunk.toolCallId)) open.set(chunk.toolCallId, false);
                } else if (chunk.type === 'tool-output-available' || chunk.type === 'tool-output-error'
                  || chunk.type === 'tool-output-denied') {
                  open.delete(chunk.toolCallId);
                } else if (chunk.type === 'tool-approval-request') {
                  open.set(chunk.toolCallId, true);
                  if ([...open.values()].every(Boolean) && await quiet(next = reader.read())) {
                    // Every open call waits for a person and nothing follows: the run is parked. The reply ends
                    // here and goes on after this event once the answers are posted (answerApprovals).
                    const at = await connection.idAt(read);
                    if (chatId !== undefined) transport.paused.set(chatId, { url, lastEventId: at });
                    controller.close();
                    inner.abort();
                    return;
                  }
                }
              } else {
                controller.error(value.error);
                return;
              }
            }
          } catch (error) {
            if (signal.aborted) {
              if (outerSignal?.aborted) controller.error(error);
              return;
            }
          }
          state = await connection.ids;
          if (signal.aborted) {
            if (outerSignal?.aborted) controller.error(outerSignal.reason);
            return;
          }
          if (state.done) {
            controller.close();
            return;
          }
          if (++reconnects > transport.maxReconnects) {
            controller.error(new Error('Runstream stream lost after ' + transport.maxReconnects + ' reconnections'));
            return;
          }
          await new Promise(resolve => setTimeout(resolve, state.retry));
          try {
            connection = await transport.open(url, state.lastEventId, signal, call);
          } catch (error) {
            connection = { chunks: new ReadableStream({ start(c) { c.close(); } }), ids: Promise.resolve(state) };
            continue;
          }
          if (connection === null) {
            // 204: the reader had everything.
            controller.close();
            return;
          }
        }
      },
    });
  }

  async open(url, lastEventId, signal, call = {}) {
    const headers = await this.headers({ Accept: 'text/event-stream' }, call.headers);
    if (lastEventId !== undefined) {
      headers['Last-Event-ID'] = lastEventId;
    }
    let response = await this.fetch(url, { headers, signal });
    // 503 with Retry-After: the node is shedding a storm of stream openings; come back when it says.
    for (let tries = 0; response.status === 503 && tries < this.maxReconnects; tries++) {
      const seconds = Number(response.headers.get('Retry-After'));
      await response.body?.cancel().catch(() => {});
      await new Promise(resolve => setTimeout(resolve, Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds : 1, 30) * 1000));
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      response = await this.fetch(url, { headers, signal });
    }
    if (response.status === 204) {
      return null;
    }
    if (!response.ok || !response.body) {
      throw new Error(`Runstream stream answered ${response.status}`);
    }
    const [forChunks, forIds] = response.body.tee();
    // The id of each data event read so far (the n-th chunk parsed is the n-th data event), for idAt.
    const seen = [];
    let ended = false;
    let wake = () => {};
    const ids = (async () => {
      const state = { lastEventId, done: false, retry: 1000 };
      const reader = forIds.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream({
        onRetry: retry => { state.retry = retry; },
      })).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (value.id !== undefined && value.id !== '') state.lastEventId = value.id;
          if (value.data === '[DONE]') {
            state.done = true;
          } else {
            seen.push(state.lastEventId);
            wake();
          }
        }
      } catch {
        // the connection dropped: what was read counts
      }
      ended = true;
      wake();
      return state;
    })();
    /** The id of the n-th data event of this connection (the n-th chunk), once it has been read. */
    const idAt = async n => {
      while (seen.length < n && !ended) await new Promise(resolve => { wake = resolve; });
      return seen[n - 1] ?? (await ids).lastEventId;
    };
    return { chunks: parseJsonEventStream({ stream: forChunks, schema: uiMessageChunkSchema }), ids, idAt };
  }
}

/** Whether `read` (a pending read) stays unanswered for PARKED_AFTER_MS. */
async function quiet(read) {
  let timer;
  const timeout = new Promise(resolve => { timer = setTimeout(() => resolve(true), PARKED_AFTER_MS); });
  try {
    return await Promise.race([read.then(() => false, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Headers (a Headers, a record or nothing) as a plain record. */
function plain(headers) {
  if (headers == null) return {};
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return Object.fromEntries(headers.entries());
  return { ...headers };
}

/**
 * The answered approvals of an assistant message's tool parts (state 'approval-responded', set by useChat's
 * addToolApprovalResponse): [{ id, approved, reason }]; none for any other message.
 */
function approvalsOf(message) {
  if (message?.role !== 'assistant') return [];
  return (message.parts ?? [])
    .filter(part => (part.type?.startsWith('tool-') || part.type === 'dynamic-tool') && part.state === 'approval-responded')
    .map(part => part.approval)
    .filter(approval => approval?.id != null);
}

/** The run an approval id names: Runstream's ids are `<run uuid>:<toolCallId>`. */
function runOf(approvalId) {
  const run = String(approvalId).slice(0, 36);
  return UUID.test(run) && String(approvalId)[36] === ':' ? run : undefined;
}

function textOf(message) {
  return (message?.parts ?? []).filter(part => part.type === 'text').map(part => part.text).join('');
}

/**
 * A message's file parts as the run request's files (`files`, docs/faces/canonical.md): a data: URL goes inline as
 * `content` (the server decodes it), an http(s) URL as `url` (the server fetches it where its operator allows).
 */
function filesOf(message) {
  return (message?.parts ?? []).filter(part => part.type === 'file').map((part, index) => {
    const url = String(part.url ?? '');
    const name = part.filename || nameOf(url) || `file-${index + 1}`;
    const file = { name };
    if (url.startsWith('data:')) {
      file.content = url;
    } else if (/^https?:\/\//i.test(url)) {
      file.url = url;
    } else {
      throw new Error(`Runstream takes file parts as data: or http(s) URLs, not ${url.slice(0, 40)}`);
    }
    if (part.mediaType) file.mediaType = part.mediaType;
    return file;
  });
}

function nameOf(url) {
  if (!/^https?:/i.test(url)) return undefined;
  const path = url.replace(/[?#].*$/, '');
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name ? decodeURIComponent(name) : undefined;
}

/** The chat's messages as a run's history ({role, content}, text only, the latest 100). */
function historyOf(messages) {
  return messages
    .filter(message => message.role === 'user' || message.role === 'assistant' || message.role === 'system')
    .map(message => ({ role: message.role, content: textOf(message) }))
    .filter(entry => entry.content.trim() !== '')
    .slice(-MAX_HISTORY);
}

/** The message's metadata: the transport's, the call body's, then useChat's metadata (JSON objects, merged). */
function metadataOf(...sources) {
  let merged;
  for (const source of sources) {
    if (source == null) continue;
    if (typeof source !== 'object' || Array.isArray(source)) {
      throw new TypeError('Runstream stores metadata with the message: it must be a JSON object');
    }
    merged = { ...(merged ?? {}), ...source };
  }
  return merged;
}
