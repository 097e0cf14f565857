// Reads a canonical stream of Runstream with the Vercel AI SDK's own parser, as useChat does: every event through
// parseJsonEventStream with uiMessageChunkSchema, then the chunks assembled by readUIMessageStream.
// Usage: node read-stream.mjs <folder of an ai-sdk/vN install> <stream url> <jwt>
// Prints one JSON line: {version, failures: [what the schema refused], types: [chunk types], finish, text, parts}.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [folder, url, jwt] = process.argv.slice(2);
const sdk = resolve(folder);
const ai = await import(pathToFileURL(join(sdk, 'ai.mjs')).href);
const { version } = JSON.parse(await readFile(join(sdk, 'node_modules', 'ai', 'package.json'), 'utf8'));

const response = await fetch(url, { headers: { Authorization: `Bearer ${jwt}` } });
if (response.status !== 200) {
  throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
}

const failures = [];
const chunks = [];
for await (const result of ai.parseJsonEventStream({ stream: response.body, schema: ai.uiMessageChunkSchema })) {
  if (result.success) {
    chunks.push(result.value);
  } else {
    failures.push(String(result.error?.message ?? result.error));
  }
}

let message;
const errors = [];
const stream = new ReadableStream({
  start(controller) {
    chunks.forEach(chunk => controller.enqueue(chunk));
    controller.close();
  },
});
for await (const m of ai.readUIMessageStream({ stream, onError: error => errors.push(String(error?.message ?? error)) })) {
  message = m;
}

console.log(JSON.stringify({
  version,
  failures,
  errors,
  types: chunks.map(chunk => chunk.type),
  finish: chunks.filter(chunk => chunk.type === 'finish').at(-1) ?? null,
  text: (message?.parts ?? []).filter(part => part.type === 'text').map(part => part.text).join(''),
  parts: (message?.parts ?? []).map(part => part.type),
}));
