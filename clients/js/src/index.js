// A ChatTransport for the Vercel AI SDK (useChat) against Runstream's sessions API (shared/design/API.md §3).
//
// - sendMessages: the chat's first message creates a session (POST /api/v1/sessions), later ones post to it
//   (POST /api/v1/sessions/{uuid}/messages); the reply is read from the session's stream_url and parsed with the AI
//   SDK's own parseJsonEventStream and uiMessageChunkSchema.
// - The stream survives network drops: it remembers the last event id and reconnects with Last-Event-ID (after the
//   server's retry: delay), so nothing is lost or repeated; 204 means the reader had everything.
// - reconnectToStream (useChat({ resume: true }) after a reload): the session's live run from its first event, or
//   null when no run of the chat is live. It asks for a compact catch-up (?compact=true, API.md §3): what the run
//   wrote before the reload comes with each part's consecutive deltas merged into one, the rest live as usual.
// - Stop (useChat's stop(), i.e. the abort signal) stops the model on the server (POST .../stream/stop).
// - A 503 with Retry-After (a node shedding a storm of stream openings) is retried after the time it gives.
// A chat id that is a session's uuid addresses that session (so a page can reload into /chat/<uuid>).
import { parseJsonEventStream, uiMessageChunkSchema } from 'ai';
import { EventSourceParserStream } from 'eventsource-parser/stream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class RunstreamChatTransport {
  /**
   * @param {object} options
   * @param {string} options.baseUrl Runstream's base URL, e.g. http://localhost:8080
   * @param {string | (() => string | Promise<string>)} options.token the bearer token (or a function giving it)
   * @param {typeof fetch} [options.fetch] the fetch to use
   * @param {(chatId: string, sessionUuid: string) => void} [options.onSession] told a new chat's session uuid
   * @param {number} [options.maxReconnects] reconnections of one stream before it fails (default 10)
   * @param {object} [options.body] extra fields of a new session (model, instructions, metadata, simulation)
   * @param {boolean} [options.stopOnAbort] whether aborting a reply (useChat's stop(), which the AI SDK also calls
   *   when the chat unmounts) stops the run on the server (default true); with false, only {@link stop} stops it, so
   *   an app that leaves a chat lets its reply finish
   */
  constructor({ baseUrl, token, fetch: fetchFn, onSession, maxReconnects = 10, body = {}, stopOnAbort = true }) {
    this.stopOnAbort = stopOnAbort;
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.token = token;
    this.fetch = fetchFn ?? globalThis.fetch.bind(globalThis);
    this.onSession = onSession;
    this.maxReconnects = maxReconnects;
    this.body = body;
    this.sessions = new Map();
  }

  /** The session uuid of a chat, if known. */
  sessionOf(chatId) {
    return this.sessions.get(chatId) ?? (UUID.test(chatId) ? chatId : undefined);
  }

  async headers(extra = {}) {
    const token = typeof this.token === 'function' ? await this.token() : this.token;
    return { Authorization: `Bearer ${token}`, ...extra };
  }

  async sendMessages({ chatId, messages, abortSignal }) {
    const last = messages[messages.length - 1];
    const text = (last?.parts ?? []).filter(part => part.type === 'text').map(part => part.text).join('');
    let session = this.sessionOf(chatId);
    let answer;
    if (session) {
      answer = await this.post(`/api/v1/sessions/${session}/messages`, { text }, abortSignal);
    }
    if (!session || answer.status === 404) {
      answer = await this.post('/api/v1/sessions', { ...this.body, text }, abortSignal);
      session = answer.json.uuid;
      this.sessions.set(chatId, session);
      this.onSession?.(chatId, session);
    }
    if (this.stopOnAbort) {
      abortSignal?.addEventListener('abort', () => { this.stop(chatId).catch(() => {}); }, { once: true });
    }
    return this.stream(`${this.baseUrl}/api/v1/sessions/${session}/stream`, undefined, abortSignal);
  }

  async reconnectToStream({ chatId, abortSignal }) {
    const session = this.sessionOf(chatId);
    if (!session || !(await this.live(session))) {
      return null;
    }
    // Compact: the reader is behind by the whole reply so far; every id it sees is still a resume point.
    const stream = await this.stream(`${this.baseUrl}/api/v1/sessions/${session}/stream?compact=true`, undefined,
      abortSignal, true);
    return stream;
  }

  /** Stops the chat's live run on the server (the model stops); true if one was stopped. */
  async stop(chatId) {
    const session = this.sessionOf(chatId);
    if (!session) {
      return false;
    }
    const answer = await this.post(`/api/v1/sessions/${session}/stream/stop`, {});
    return answer.json?.stopped === true;
  }

  /** Whether the session's latest agent message is still being written. */
  async live(session) {
    const first = await this.get(`/api/v1/sessions/${session}/messages?page=1&page_size=1`);
    if (first.status !== 200 || first.json.count === 0) {
      return false;
    }
    const last = await this.get(`/api/v1/sessions/${session}/messages?page=${first.json.count}&page_size=1`);
    const message = last.json.results?.[0];
    return message?.sender_role === 'agent' && message?.status === 'streaming';
  }

  async post(path, body, signal) {
    const response = await this.fetch(`${this.baseUrl}${path}`, {
      method: 'POST', headers: await this.headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body), signal,
    });
    const json = await response.json().catch(() => null);
    if (!response.ok && response.status !== 404) {
      throw new Error(`Runstream answered ${response.status}: ${json?.detail ?? json?.title ?? ''}`);
    }
    return { status: response.status, json };
  }

  async get(path) {
    const response = await this.fetch(`${this.baseUrl}${path}`, { headers: await this.headers() });
    return { status: response.status, json: await response.json().catch(() => null) };
  }

  /**
   * The run's UI message chunks from `url`, across reconnections: each connection's bytes are parsed by the AI SDK
   * (parseJsonEventStream, uiMessageChunkSchema) while a second reader of the same bytes keeps the last event id;
   * a connection that ends before `[DONE]` is resumed after that id.
   */
  async stream(url, lastEventId, outerSignal, allowEmpty = false) {
    const transport = this;
    // Aborted by the caller's signal or by cancelling the returned stream.
    const inner = new AbortController();
    outerSignal?.addEventListener('abort', () => inner.abort(outerSignal.reason), { once: true });
    const signal = inner.signal;
    const first = await this.open(url, lastEventId, signal);
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
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              if (signal.aborted) {
                if (outerSignal?.aborted) controller.error(outerSignal.reason);
                return;
              }
              if (value.success) {
                controller.enqueue(value.value);
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
            connection = await transport.open(url, state.lastEventId, signal);
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

  async open(url, lastEventId, signal) {
    const headers = await this.headers({ Accept: 'text/event-stream' });
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
          if (value.data === '[DONE]') state.done = true;
        }
      } catch {
        // the connection dropped: what was read counts
      }
      return state;
    })();
    return { chunks: parseJsonEventStream({ stream: forChunks, schema: uiMessageChunkSchema }), ids };
  }
}
