// Types of @runstream/ai-sdk: a ChatTransport for the Vercel AI SDK's useChat against Runstream's sessions API.
import type { ChatRequestOptions, ChatTransport, UIMessage, UIMessageChunk } from 'ai';

/** A value, or a function giving it (possibly asynchronously), read at each request. */
export type Resolvable<T> = T | (() => T | Promise<T>);

export interface RunstreamChatTransportOptions {
  /** Runstream's base URL, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** The bearer token (a JWT), or a function giving it; read at each request. */
  token: Resolvable<string>;
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
  /** Told a chat's session uuid when a chat gets (or changes to) a new session. */
  onSession?: (chatId: string, sessionUuid: string) => void;
  /** Reconnections of one reply's stream before it fails (default 10). */
  maxReconnects?: number;
  /**
   * Extra fields of every request's JSON body (`model`, `instructions`, `metadata`, `simulation`,
   * `multitask_strategy`, ...); useChat's `body` option is merged over it per call.
   */
  body?: Record<string, unknown>;
  /** Extra headers of every request; useChat's `headers` option is merged over them per call. */
  headers?: Resolvable<Record<string, string> | Headers>;
  /**
   * Whether aborting a reply (useChat's `stop()`, which the AI SDK also calls when the chat unmounts) stops the run
   * on the server (default true). With false only {@link RunstreamChatTransport.stop} stops it.
   */
  stopOnAbort?: boolean;
}

export declare class RunstreamChatTransport<UI_MESSAGE extends UIMessage = UIMessage>
  implements ChatTransport<UI_MESSAGE>
{
  constructor(options: RunstreamChatTransportOptions);

  /** True: `reconnectToStream` replays the live run from its first event. */
  readonly resumeStreamIsReplay: boolean;

  /**
   * useChat's request. `submit-message` posts the last user message (a new session for the chat's first one); a
   * message with file parts, a regeneration (`regenerate-message`) or an edit (`submit-message` with the `messageId`
   * of the user message it replaces) is a run of the session (`POST /api/v1/runs`) with the files and, for a
   * regeneration or an edit, the chat's earlier messages as its history. `metadata` must be a JSON object.
   */
  sendMessages(
    options: {
      trigger: 'submit-message' | 'regenerate-message';
      chatId: string;
      messageId: string | undefined;
      messages: UI_MESSAGE[];
      abortSignal: AbortSignal | undefined;
    } & ChatRequestOptions,
  ): Promise<ReadableStream<UIMessageChunk>>;

  /** The chat's live run from its first event (useChat's `resume: true`), or null when none is live. */
  reconnectToStream(
    options: { chatId: string; abortSignal?: AbortSignal } & ChatRequestOptions,
  ): Promise<ReadableStream<UIMessageChunk> | null>;

  /** Stops the chat's live run on the server (the model stops); true if one was stopped. */
  stop(chatId: string, call?: { headers?: Record<string, string> | Headers }): Promise<boolean>;

  /** The session uuid of a chat, if known (a chat id that is a session's uuid is that session). */
  sessionOf(chatId: string): string | undefined;
}
