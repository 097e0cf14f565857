// Type check of src/index.d.ts (npm run types; ChatTransportIT runs it): the transport is the AI SDK's ChatTransport
// and its options are typed. Compiled only, never run.
import { RunstreamChatTransport, type RunstreamChatTransportOptions } from '@runstream/ai-sdk';
import type { ChatTransport, UIMessage } from 'ai';

const options: RunstreamChatTransportOptions = {
  baseUrl: 'http://localhost:8080',
  token: async () => 'jwt',
  headers: () => new Headers({ 'X-App': 'check' }),
  body: { model: 'openai:gpt-4o-mini' },
  onSession: (chatId: string, sessionUuid: string) => console.log(chatId, sessionUuid),
  stopOnAbort: false,
};
const transport: ChatTransport<UIMessage> = new RunstreamChatTransport(options);
const typed = new RunstreamChatTransport({ baseUrl: 'http://localhost:8080', token: 'jwt' });
const stopped: Promise<boolean> = typed.stop('chat');
const session: string | undefined = typed.sessionOf('chat');
const replay: boolean = typed.resumeStreamIsReplay;
void [transport, stopped, session, replay];

// @ts-expect-error the base URL is required
new RunstreamChatTransport({ token: 'jwt' });
// @ts-expect-error a token is a string or a function giving one
new RunstreamChatTransport({ baseUrl: 'http://localhost:8080', token: 42 });
