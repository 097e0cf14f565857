// The few sessions-API calls the playground makes besides the ChatTransport's (docs/faces/canonical.md).

export class Api {
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.token = token;
  }

  async request(method, path, body) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error(json?.detail ?? json?.title ?? `Runstream answered ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return json;
  }

  /** The caller's sessions, newest first (first page). */
  sessions(pageSize = 50) {
    return this.request('GET', `/api/v1/sessions?page=1&page_size=${pageSize}`);
  }

  /** A session's whole transcript, oldest first. */
  async transcript(session) {
    const all = [];
    for (let page = 1; ; page++) {
      const answer = await this.request('GET', `/api/v1/sessions/${session}/messages?page=${page}&page_size=100`);
      all.push(...answer.results);
      if (!answer.next) return all;
    }
  }

  feedback(session, message, rating) {
    return this.request('POST', `/api/v1/sessions/${session}/messages/${message}/feedback`, { rating });
  }

  /** Recent runs with their progress: the organisation's for an administrator, else the caller's own. */
  async runs(pageSize = 20) {
    try {
      return await this.request('GET', `/api/v1/runs?scope=organisation&page_size=${pageSize}`);
    } catch (error) {
      if (error.status !== 403) throw error;
      return this.request('GET', `/api/v1/runs?page_size=${pageSize}`);
    }
  }
}

/** Transcript messages as the AI SDK's UI messages; a reply still being written is left out (resume rebuilds it). */
export function toUIMessages(transcript) {
  const messages = [];
  let live = false;
  for (const message of transcript) {
    if (message.sender_role === 'agent' && message.status === 'streaming') {
      live = true;
      continue;
    }
    messages.push({
      id: message.uuid,
      role: message.sender_role === 'user' ? 'user' : 'assistant',
      parts: message.text ? [{ type: 'text', text: message.text }] : [],
      metadata: {
        status: message.status,
        feedback: message.feedback?.rating ?? null,
        usage: message.usage,
        model: message.model,
      },
    });
  }
  return { messages, live };
}
