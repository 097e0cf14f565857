// Runstream's playground: the AI SDK's own useChat over RunstreamChatTransport (clients/js), served at / by
// bin/runstream start. Sign in with a token, list sessions, chat, watch every part stream, stop, rate, reload and
// resume, approve or deny tool calls that need approval, and a live view of runs.
import { useChat } from '@ai-sdk/react';
import { lastAssistantMessageIsCompleteWithApprovalResponses } from 'ai';
import { RunstreamChatTransport } from '@runstream/ai-sdk';
import { StrictMode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Api, toUIMessages } from './api.js';

const TOKEN_KEY = 'runstream.playground.token';
const OPTIONS_KEY = 'runstream.playground.options';
const BASE = window.location.origin;

// A script for the simulated model that shows every kind of part: stage, reasoning, a tool call and its result, text.
const SHOWCASE = [
  { type: 'stage', input: { missionLabel: 'Looking things up…', mood: 'focused', stageTarget: 'tool' } },
  { type: 'reasoning', text: 'The user wants an answer; a quick lookup first, then a short reply.' },
  { type: 'tool', name: 'lookup', input: { query: 'cat names' }, output: { results: ['Miso', 'Pixel', 'Tofu'] } },
  { type: 'text' },
];

function sessionFromHash() {
  const match = /^#\/s\/([0-9a-f-]{36})$/i.exec(window.location.hash);
  return match ? match[1] : null;
}

/** A token passed in the page's address (#token=...) signs in once and is removed from the address. */
function takeTokenFromHash() {
  const match = /^#token=([^&]+)$/.exec(window.location.hash);
  if (!match) return null;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return decodeURIComponent(match[1]);
}

function App() {
  const [token, setToken] = useState(() => {
    const fromHash = takeTokenFromHash();
    if (fromHash) localStorage.setItem(TOKEN_KEY, fromHash);
    return fromHash ?? localStorage.getItem(TOKEN_KEY);
  });
  const signOut = () => {
    localStorage.removeItem(TOKEN_KEY);
    setToken(null);
  };
  if (!token) {
    return <SignIn onToken={value => { localStorage.setItem(TOKEN_KEY, value); setToken(value); }} />;
  }
  return <Playground token={token} onSignOut={signOut} />;
}

function SignIn({ onToken }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async event => {
    event.preventDefault();
    const token = value.trim().replace(/^Bearer\s+/i, '');
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      await new Api(BASE, token).sessions(1);
      onToken(token);
    } catch (e) {
      setError(e.status === 401 ? 'Runstream refused this token (401): it is expired, malformed or signed with another secret.' : e.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form onSubmit={submit} data-testid="signin">
        <h1>Runstream playground</h1>
        <p>Paste a bearer token. <code>bin/runstream start</code> prints a dev token (and a link that signs in with it).</p>
        <textarea aria-label="Token" value={value} onChange={e => setValue(e.target.value)} rows={5}
          placeholder="eyJhbGciOi..." spellCheck={false} />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy || !value.trim()}>Sign in</button>
      </form>
    </main>
  );
}

function loadOptions() {
  try {
    return { model: '', tokensPerSecond: '', outputTokens: '', showcase: false, callTool: '', ...JSON.parse(localStorage.getItem(OPTIONS_KEY) ?? '{}') };
  } catch {
    return { model: '', tokensPerSecond: '', outputTokens: '', showcase: false, callTool: '' };
  }
}

/** The body of a new session from the run options (model and the simulated model's settings). */
function sessionBody(options) {
  const body = {};
  if (options.model.trim()) body.model = options.model.trim();
  const simulation = {};
  if (Number(options.tokensPerSecond) > 0) simulation.tokens_per_second = Number(options.tokensPerSecond);
  if (Number(options.outputTokens) > 0) simulation.output_tokens = Math.round(Number(options.outputTokens));
  if (options.showcase) simulation.script = SHOWCASE;
  // The simulated model calls a server tool as a real model would (one that needs approval shows Approve/Deny).
  const tool = (options.callTool ?? '').trim();
  if (tool) simulation.script = [...(simulation.script ?? [{ type: 'text' }]).slice(0, -1), { type: 'call', name: tool, input: {} }, { type: 'text' }];
  if (Object.keys(simulation).length) body.simulation = simulation;
  return body;
}

function Playground({ token, onSignOut }) {
  const api = useMemo(() => new Api(BASE, token), [token]);
  const [sessions, setSessions] = useState([]);
  const [sessionsError, setSessionsError] = useState(null);
  // The chat on screen: a session's uuid, or a new chat (key only); the key remounts the chat.
  const [chat, setChat] = useState(() => ({ key: sessionFromHash() ?? `new-${crypto.randomUUID()}`, session: sessionFromHash() }));
  const [view, setView] = useState('chat');
  const [options, setOptions] = useState(loadOptions);
  const [menuOpen, setMenuOpen] = useState(false);

  const refreshSessions = useCallback(async () => {
    try {
      const answer = await api.sessions();
      setSessions(answer.results);
      setSessionsError(null);
    } catch (e) {
      if (e.status === 401) onSignOut();
      else setSessionsError(e.message);
    }
  }, [api, onSignOut]);

  useEffect(() => {
    refreshSessions();
    const timer = setInterval(refreshSessions, 5000);
    return () => clearInterval(timer);
  }, [refreshSessions]);

  useEffect(() => {
    const onHash = () => {
      const session = sessionFromHash();
      setChat(current => (session && session !== current.session ? { key: session, session } : current));
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    localStorage.setItem(OPTIONS_KEY, JSON.stringify(options));
  }, [options]);

  const open = session => {
    setView('chat');
    setMenuOpen(false);
    if (session === chat.session) return;
    window.location.hash = `#/s/${session}`;
    setChat({ key: session, session });
  };
  const newChat = () => {
    setView('chat');
    setMenuOpen(false);
    history.pushState(null, '', window.location.pathname);
    setChat({ key: `new-${crypto.randomUUID()}`, session: null });
  };
  const onSessionCreated = session => {
    // the chat stays mounted: only the address and the list change
    history.replaceState(null, '', `#/s/${session}`);
    setChat(current => ({ ...current, session }));
    refreshSessions();
  };

  return (
    <div className="app">
      <header>
        <button className="menu" aria-label="Sessions" onClick={() => setMenuOpen(!menuOpen)}>☰</button>
        <strong>Runstream</strong>
        <nav>
          <button className={view === 'chat' ? 'active' : ''} onClick={() => setView('chat')}>Chat</button>
          <button className={view === 'runs' ? 'active' : ''} onClick={() => setView('runs')} data-testid="runs-tab">Runs</button>
          <button onClick={onSignOut}>Sign out</button>
        </nav>
      </header>
      <aside className={menuOpen ? 'open' : ''}>
        <button className="new" onClick={newChat} data-testid="new-chat">+ New chat</button>
        {sessionsError && <p className="error">{sessionsError}</p>}
        <ul data-testid="sessions">
          {sessions.map(s => (
            <li key={s.uuid}>
              <button className={s.uuid === chat.session ? 'current' : ''} onClick={() => open(s.uuid)} data-session={s.uuid}>
                <span className="title">{s.title?.trim() || 'New session'}</span>
                <time dateTime={s.created_at}>{shortTime(s.created_at)}</time>
              </button>
            </li>
          ))}
          {sessions.length === 0 && !sessionsError && <li className="empty">No sessions yet.</li>}
        </ul>
      </aside>
      <main>
        {view === 'runs' && <Runs api={api} />}
        {/* the chat stays mounted behind the runs view: unmounting it would abort (and so stop) a live reply */}
        <div className="chat-host" hidden={view !== 'chat'}>
          <ChatLoader key={chat.key} api={api} token={token} session={chat.key.startsWith('new-') ? null : chat.session}
            chatId={chat.key} options={options} setOptions={setOptions}
            onSessionCreated={onSessionCreated} onTurnEnded={refreshSessions} />
        </div>
      </main>
    </div>
  );
}

/** Loads a session's transcript before its chat mounts, so that useChat starts from it and resumes a live reply. */
function ChatLoader({ api, session, ...rest }) {
  const [loaded, setLoaded] = useState(session ? null : { messages: [], live: false });
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!session) return;
    api.transcript(session).then(transcript => setLoaded(toUIMessages(transcript))).catch(e => setError(e.message));
  }, [api, session]);
  if (error) return <p className="error" role="alert">Could not load the session: {error}</p>;
  if (!loaded) return <p className="loading">Loading…</p>;
  return <Chat api={api} session={session} initial={loaded} {...rest} />;
}

function Chat({ api, token, session, chatId, initial, options, setOptions, onSessionCreated, onTurnEnded }) {
  const [stage, setStage] = useState(null);
  const [input, setInput] = useState('');
  const [ratings, setRatings] = useState({});
  const [stopped, setStopped] = useState({});
  const sessionRef = useRef(session);
  const transport = useMemo(() => new RunstreamChatTransport({
    baseUrl: BASE,
    token,
    // leaving a chat (another session, a new chat) lets its reply finish; the Stop button stops it
    stopOnAbort: false,
    onSession: (id, uuid) => {
      sessionRef.current = uuid;
      onSessionCreated(uuid);
    },
  }), [token]);
  // a new session takes the run options of the moment it is created
  transport.body = sessionBody(options);

  const { messages, sendMessage, status, stop, error, setMessages, addToolApprovalResponse } = useChat({
    id: session ?? chatId,
    transport,
    // A tool call that needs approval: once every one is answered (Approve/Deny), the reply goes on.
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    messages: initial.messages,
    resume: Boolean(session),
    onData: part => {
      if (part.type === 'data-stage') setStage(part.data?.missionLabel ?? null);
    },
    onFinish: ({ message, isAbort }) => {
      setStage(null);
      if (isAbort) setStopped(current => ({ ...current, [message.id]: true }));
      onTurnEnded();
      setTimeout(onTurnEnded, 2000); // a generated title arrives shortly after the first reply
    },
    onError: () => setStage(null),
  });

  // A reply that was live when the transcript was read but ended before the resume asked: read the transcript again.
  const checked = useRef(false);
  useEffect(() => {
    if (!initial.live || checked.current || status !== 'ready') return;
    const last = messages[messages.length - 1];
    if (last?.role === 'user') {
      checked.current = true;
      api.transcript(session).then(t => setMessages(toUIMessages(t).messages)).catch(() => {});
    }
  }, [initial.live, status, messages, api, session, setMessages]);

  const busy = status === 'submitted' || status === 'streaming';
  const submit = event => {
    event.preventDefault();
    const text = input.trim();
    if (!text || busy) return;
    setInput('');
    sendMessage({ text });
  };
  const onStop = () => {
    const last = messages[messages.length - 1];
    if (last?.role === 'assistant') setStopped(current => ({ ...current, [last.id]: true }));
    setStage(null);
    stop();
    transport.stop(chatId).catch(() => {});
  };
  const rate = async (message, rating) => {
    const target = sessionRef.current;
    if (!target) return;
    setRatings(current => ({ ...current, [message.id]: { rating, pending: true } }));
    try {
      await api.feedback(target, message.id, rating);
      setRatings(current => ({ ...current, [message.id]: { rating } }));
    } catch (e) {
      setRatings(current => ({ ...current, [message.id]: { error: e.message } }));
    }
  };

  const bottom = useRef(null);
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [messages]);

  return (
    <section className="chat" data-testid="chat" data-status={status}>
      <ol className="messages">
        {messages.length === 0 && <li className="hint">Ask anything. The simulated model answers at the pace set below.</li>}
        {messages.map((message, index) => (
          <Message key={message.id} message={message}
            live={busy && index === messages.length - 1 && message.role === 'assistant'}
            stopped={stopped[message.id] || message.metadata?.status === 'cancelled'}
            rating={ratings[message.id] ?? (message.metadata?.feedback ? { rating: message.metadata.feedback } : null)}
            onRate={busy && index === messages.length - 1 ? null : rate}
            onApproval={addToolApprovalResponse} />
        ))}
      </ol>
      {busy && <p className="stage" data-testid="stage">{stage ?? (status === 'submitted' ? 'Starting…' : 'Writing…')}</p>}
      {error && <p className="error" role="alert" data-testid="chat-error">{error.message}</p>}
      <div ref={bottom} />
      <form className="composer" onSubmit={submit}>
        <textarea aria-label="Message" data-testid="input" value={input} rows={2} placeholder="Message Runstream…"
          onChange={e => setInput(e.target.value)}
          onKeyDown={e => { if (e.key === 'Enter' && !e.shiftKey) submit(e); }} />
        {busy
          ? <button type="button" className="stop" onClick={onStop} data-testid="stop">Stop</button>
          : <button type="submit" disabled={!input.trim()} data-testid="send">Send</button>}
      </form>
      {!session && <RunOptions options={options} setOptions={setOptions} />}
    </section>
  );
}

function RunOptions({ options, setOptions }) {
  const set = (field, value) => setOptions(current => ({ ...current, [field]: value }));
  return (
    <details className="options" data-testid="options">
      <summary>Run options (new session)</summary>
      <label>Model <input value={options.model} onChange={e => set('model', e.target.value)} placeholder="default" data-testid="option-model" /></label>
      <label>Tokens per second <input type="number" min="0" value={options.tokensPerSecond} onChange={e => set('tokensPerSecond', e.target.value)} placeholder="server default" data-testid="option-pace" /></label>
      <label>Output tokens <input type="number" min="0" value={options.outputTokens} onChange={e => set('outputTokens', e.target.value)} placeholder="varies" data-testid="option-tokens" /></label>
      <label className="check"><input type="checkbox" checked={options.showcase} onChange={e => set('showcase', e.target.checked)} data-testid="option-showcase" /> Show every part (stage, reasoning, tool call)</label>
      <label>Call a tool <input value={options.callTool ?? ''} onChange={e => set('callTool', e.target.value)} placeholder="none (e.g. memory.store)" data-testid="option-call-tool" /></label>
      <p className="note">Pace, length, the showcase and the tool call apply to the simulated model.</p>
    </details>
  );
}

function Message({ message, live, stopped, rating, onRate, onApproval }) {
  const text = message.parts.filter(p => p.type === 'text').map(p => p.text).join('');
  return (
    <li className={`message ${message.role}`} data-testid="message" data-role={message.role} data-id={message.id}
      data-live={live ? 'true' : 'false'}>
      {message.role === 'user' ? <div className="bubble">{text}</div> : (
        <div className="reply">
          {message.parts.map((part, i) => <Part key={i} part={part} onApproval={onApproval} />)}
          <span hidden data-testid="assistant-text">{text}</span>
          <footer>
            {stopped && <span className="badge" data-testid="stopped">Stopped</span>}
            {message.metadata?.status === 'failed' && <span className="badge error">Failed</span>}
            {!live && onRate && (
              <span className="rate">
                <button aria-label="Good reply" aria-pressed={rating?.rating === 'positive'} data-testid="rate-up"
                  onClick={() => onRate(message, 'positive')}><Thumb /></button>
                <button aria-label="Bad reply" aria-pressed={rating?.rating === 'negative'} data-testid="rate-down"
                  onClick={() => onRate(message, 'negative')}><Thumb down /></button>
                {rating?.rating && !rating.pending && <span className="saved" data-testid="rated">Rated {rating.rating}</span>}
                {rating?.error && <span className="error">{rating.error}</span>}
              </span>
            )}
          </footer>
        </div>
      )}
    </li>
  );
}

/** A thumb icon drawn inline (no emoji font or icon font needed). */
function Thumb({ down = false }) {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" style={down ? { transform: 'rotate(180deg)' } : undefined}>
      <path fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round"
        d="M7 10v11H3V10h4Zm0 0 4-8c1.7 0 3 1.3 3 3v4h5.5c1.2 0 2.2 1.1 2 2.3l-1.4 8A2 2 0 0 1 18.1 21H7" />
    </svg>
  );
}

function Part({ part, onApproval }) {
  switch (part.type) {
    case 'text':
      return <div className="text" data-testid="text-part">{part.text}</div>;
    case 'reasoning':
      return <details className="reasoning" open data-testid="reasoning-part"><summary>Reasoning</summary>{part.text}</details>;
    case 'data-usage':
      return <div className="usage" data-testid="usage-part">{part.data.model}: {part.data.inputTokens} in · {part.data.outputTokens} out tokens</div>;
    case 'data-doc':
      return <div className="doc">File {part.data.fileName}: {part.data.stage?.replace('extract_', '')}{part.data.error ? ` (${part.data.error})` : ''}</div>;
    case 'data-retrieved':
      return <div className="doc">Sources: {(part.data.documents ?? []).map(d => d.name).join(', ')}</div>;
    case 'file':
      return part.mediaType?.startsWith('image/') ? <img className="image" src={part.url} alt="" /> : <a href={part.url}>{part.url}</a>;
    case 'step-start':
      return null;
    default:
      if (part.type === 'dynamic-tool' || part.type.startsWith('tool-')) return <Tool part={part} onApproval={onApproval} />;
      return null;
  }
}

function Tool({ part, onApproval }) {
  const name = part.toolName ?? part.type.slice('tool-'.length);
  const done = part.state === 'output-available' || part.state === 'output-error' || part.state === 'output-denied';
  return (
    <details className={`tool ${part.state}`} data-testid="tool-part" open={!done}>
      <summary><code>{name}</code> <span className="state">{toolState(part.state)}</span></summary>
      {part.input !== undefined && <pre>{JSON.stringify(part.input, null, 2)}</pre>}
      {part.state === 'output-available' && <pre className="output">{JSON.stringify(part.output, null, 2)}</pre>}
      {part.state === 'output-error' && <p className="error">{part.errorText}</p>}
      {part.state === 'approval-requested' && onApproval && (
        <p className="approval">
          <button type="button" data-testid="approve"
            onClick={() => onApproval({ id: part.approval.id, approved: true })}>Approve</button>
          <button type="button" className="deny" data-testid="deny"
            onClick={() => onApproval({ id: part.approval.id, approved: false, reason: 'Denied in the playground' })}>Deny</button>
        </p>
      )}
    </details>
  );
}

function toolState(state) {
  return { 'input-streaming': 'preparing…', 'input-available': 'running…', 'output-available': 'done', 'output-error': 'failed',
    'approval-requested': 'needs your approval', 'approval-responded': 'answered…', 'output-denied': 'denied' }[state] ?? state;
}

function Runs({ api }) {
  const [runs, setRuns] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let alive = true;
    const poll = async () => {
      try {
        const answer = await api.runs();
        if (alive) { setRuns(answer.results); setError(null); }
      } catch (e) {
        if (alive) setError(e.message);
      }
    };
    poll();
    const timer = setInterval(poll, 1000);
    return () => { alive = false; clearInterval(timer); };
  }, [api]);
  return (
    <section className="runs" data-testid="runs">
      <h2>Runs <small>live, every second</small></h2>
      {error && <p className="error">{error}</p>}
      {!runs ? <p className="loading">Loading…</p> : (
        <div className="table">
          <table>
            <thead>
              <tr><th>Status</th><th>User</th><th>Model</th><th>First token</th><th>Tokens/s</th><th>Tokens</th><th>Started</th></tr>
            </thead>
            <tbody>
              {runs.map(run => (
                <tr key={run.uuid} data-testid="run-row" data-status={run.status} data-session={run.session_uuid}>
                  <td><span className={`status ${run.status}`}>{run.status}</span></td>
                  <td>{run.user ?? ''}</td>
                  <td>{run.model.provider}/{run.model.model_id}</td>
                  <td data-testid="run-ttft">{run.time_to_first_token_ms == null ? '—' : `${run.time_to_first_token_ms} ms`}</td>
                  <td data-testid="run-rate">{run.tokens_per_second == null ? '—' : run.tokens_per_second}</td>
                  <td>{run.usage ? run.usage.output_tokens : run.streamed_deltas}</td>
                  <td>{shortTime(run.created_at)}</td>
                </tr>
              ))}
              {runs.length === 0 && <tr><td colSpan={7}>No runs yet.</td></tr>}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function shortTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString()
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : date.toLocaleDateString();
}

createRoot(document.getElementById('root')).render(<StrictMode><App /></StrictMode>);
