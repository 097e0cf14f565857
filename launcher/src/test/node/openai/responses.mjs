// The official `openai` npm SDK (7.55.0) against Runstream's OpenAI Responses face (/v1/responses, issue #28):
// streamed creation (create({stream: true}) and the responses.stream helper), a plain create, retrieve, a background
// response read with retrieve(id, {stream: true, starting_after}) and polled to its end, cancel, previous_response_id,
// and errors. The simulated model's knobs go in the body as Runstream's `simulation` extension.
//
// Usage: node responses.mjs <baseUrl> <jwt> <otherOrgJwt> <spentBudgetJwt>
// Prints one line of JSON: what each step saw, for the test to check.
import OpenAI from 'openai';

const [base, jwt, otherJwt, spentJwt] = process.argv.slice(2);
const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 120_000);
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: jwt, maxRetries: 0 });
const other = new OpenAI({ baseURL: `${base}/v1`, apiKey: otherJwt, maxRetries: 0 });
const model = 'simulated/sim-1';
const quick = { output_tokens: 12, tokens_per_second: 0, seed: 7 };
const out = {};

const collect = async (stream) => {
  const events = [];
  for await (const event of stream) events.push(event);
  return events;
};
const text = (events) => events.filter(e => e.type === 'response.output_text.delta').map(e => e.delta).join('');
const errorOf = async (promise) => {
  try {
    await promise;
    return { status: 'none' };
  } catch (e) {
    return { status: e.status, type: e.type ?? null, code: e.code ?? null, param: e.param ?? null, message: e.message,
      error: e.error ?? null, shouldRetry: e.headers?.get?.('x-should-retry') ?? null };
  }
};

// 1. create({stream: true})
const streamed = await collect(await client.responses.create({
  model, input: 'Say hello', instructions: 'Be brief.', metadata: { case: 'streamed' }, stream: true, simulation: quick,
}));
out.streamed = {
  types: streamed.map(e => e.type),
  sequence: streamed.map(e => e.sequence_number),
  text: text(streamed),
  last: streamed.at(-1),
  first: streamed[0],
};

// 2. the responses.stream helper, its final response (the SDK's own accumulation and checks)
const thinking = [{ type: 'reasoning', text: 'The user wants it again.' }, { type: 'text', text: 'Here it is again.' }];
const helper = client.responses.stream({ model, input: 'Once more', simulation: { script: thinking, tokens_per_second: 0 } });
const helperEvents = [];
helper.on('event', e => helperEvents.push(e.type));
const final = await helper.finalResponse();
out.helper = { id: final.id, status: final.status, outputText: final.output_text, events: helperEvents,
  outputTypes: final.output.map(o => o.type), reasoning: final.output[0]?.content?.[0]?.text };

// 3. a plain create: the Response once the run ended; its raw JSON read without the SDK (which adds output_text)
const created = await client.responses.create({
  model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'Plain please' }] }],
  instructions: 'Answer plainly.', metadata: { case: 'plain' }, max_output_tokens: 500, simulation: quick,
});
const rawJson = await fetch(`${base}/v1/responses/${created.id}`, { headers: { Authorization: `Bearer ${jwt}` } })
  .then(r => r.json());
out.plain = { response: created, outputText: created.output_text, rawKeys: Object.keys(rawJson) };

// 3b. max_output_tokens bounds the run's output: the Response is incomplete, as OpenAI's is
const bounded = await client.responses.create({
  model, input: 'Say a lot', max_output_tokens: 16, simulation: { output_tokens: 60, tokens_per_second: 0, seed: 5 },
});
out.bounded = { status: bounded.status, incomplete: bounded.incomplete_details, usage: bounded.usage,
  outputText: bounded.output_text };

// 4. retrieve
const retrieved = await client.responses.retrieve(created.id);
out.retrieved = { id: retrieved.id, status: retrieved.status, outputText: retrieved.output_text,
  usage: retrieved.usage, metadata: retrieved.metadata, instructions: retrieved.instructions };

// 5. previous_response_id continues the conversation
const next = await client.responses.create({ model, input: 'And then?', previous_response_id: created.id, simulation: quick });
out.continued = { id: next.id, status: next.status, previous: next.previous_response_id };

// 6. background, resumed after a cursor, then polled
const background = await client.responses.create({
  model, input: 'Take your time', background: true, simulation: { output_tokens: 40, tokens_per_second: 80, seed: 3 },
});
out.background = { id: background.id, status: background.status, background: background.background };
const tail = await collect(await client.responses.retrieve(background.id, { stream: true, starting_after: 3 }));
let polled = await client.responses.retrieve(background.id);
for (let i = 0; i < 100 && (polled.status === 'queued' || polled.status === 'in_progress'); i++) {
  await new Promise(r => setTimeout(r, 100));
  polled = await client.responses.retrieve(background.id);
}
const whole = await collect(await client.responses.retrieve(background.id, { stream: true }));
out.resumed = {
  tailSequence: tail.map(e => e.sequence_number),
  wholeSequence: whole.map(e => e.sequence_number),
  sameAfterCursor: JSON.stringify(whole.filter(e => e.sequence_number > 3)) === JSON.stringify(tail),
  wholeText: text(whole),
  polledStatus: polled.status,
  polledText: polled.output_text,
};
const helperReplay = client.responses.stream({ response_id: background.id, starting_after: 5 });
const replayed = [];
helperReplay.on('event', e => replayed.push(e.sequence_number));
const replayFinal = await helperReplay.finalResponse();
out.helperReplay = { first: replayed[0], status: replayFinal.status, outputText: replayFinal.output_text };

// 7. cancel a slow background response, twice
const slow = await client.responses.create({
  model, input: 'A long story', background: true, simulation: { output_tokens: 400, tokens_per_second: 20, seed: 5 },
});
const reader = client.responses.retrieve(slow.id, { stream: true }).then(collect);
await new Promise(r => setTimeout(r, 700));
const cancelled = await client.responses.cancel(slow.id);
const again = await client.responses.cancel(slow.id);
const readerEvents = await reader;
out.cancel = { status: cancelled.status, again: again.status, lastEvent: readerEvents.at(-1)?.type,
  lastStatus: readerEvents.at(-1)?.response?.status };

// 8. a function tool: the first Response completes with the call, the next one brings its output
const tools = [{
  type: 'function', name: 'get_weather', description: 'The weather in a city', strict: true,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
}];
const script = [{ type: 'call', name: 'get_weather', input: { city: 'Paris' } }, { type: 'text', text: 'It is sunny in Paris.' }];
const first = await collect(await client.responses.create({
  model, input: 'Weather in Paris?', tools, stream: true, simulation: { script, tokens_per_second: 0 },
}));
const callDone = first.find(e => e.type === 'response.output_item.done' && e.item.type === 'function_call');
const firstResponse = first.at(-1).response;
const answer = client.responses.stream({
  model, previous_response_id: firstResponse.id,
  input: [{ type: 'function_call_output', call_id: callDone.item.call_id, output: JSON.stringify({ sky: 'sunny' }) }],
});
const answered = await answer.finalResponse();
const firstAgain = await client.responses.retrieve(firstResponse.id);
out.tools = {
  firstTypes: first.map(e => e.type),
  call: callDone.item,
  firstStatus: firstResponse.status,
  firstOutput: firstResponse.output.map(o => o.type),
  firstTools: firstResponse.tools,
  retrievedOutput: firstAgain.output.map(o => o.type),
  secondId: answered.id,
  secondStatus: answered.status,
  secondPrevious: answered.previous_response_id,
  secondText: answered.output_text,
  staleAnswer: await errorOf(client.responses.create({
    model, previous_response_id: firstResponse.id,
    input: [{ type: 'function_call_output', call_id: callDone.item.call_id, output: 'again' }],
  })),
};

// 9. errors
out.errors = {
  unauthenticated: await errorOf(new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-a-token', maxRetries: 0 })
    .responses.create({ model, input: 'x' })),
  missing: await errorOf(client.responses.retrieve('resp_00000000000000000000000000000000')),
  malformedId: await errorOf(client.responses.retrieve('nope')),
  otherOrganisation: await errorOf(other.responses.retrieve(created.id)),
  badInput: await errorOf(client.responses.create({ model, input: 42 })),
  badPrevious: await errorOf(client.responses.create({ model, input: 'x', previous_response_id: 'resp_nope' })),
  notBackground: await errorOf(client.responses.cancel(created.id)),
};
// A spent budget: OpenAI's 429 insufficient_quota, which the SDK (retrying 429s) must not retry.
let spentCalls = 0;
const spent = new OpenAI({
  baseURL: `${base}/v1`, apiKey: spentJwt, maxRetries: 2,
  fetch: (url, init) => { spentCalls++; return fetch(url, init); },
});
out.errors.quota = { ...(await errorOf(spent.responses.create({ model, input: 'x', simulation: quick }))),
  calls: spentCalls };

clearTimeout(timer);
console.log(JSON.stringify(out));
