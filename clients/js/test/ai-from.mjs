// Runs the transport and its tests on another install of the AI SDK: `node --import ./test/ai-from.mjs ...` with
// RUNSTREAM_AI_SDK=<a folder whose node_modules has `ai`> (the suite uses launcher/src/test/node/ai-sdk/v6 and v7).
// Every import of `ai` (the transport's and the tests') then resolves from that folder; without the variable nothing
// changes (the package's own devDependency).
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const folder = process.env.RUNSTREAM_AI_SDK;
if (folder) {
  register('./ai-from-hooks.mjs', import.meta.url, { data: { parentURL: pathToFileURL(resolve(folder, 'package.json')).href } });
}
