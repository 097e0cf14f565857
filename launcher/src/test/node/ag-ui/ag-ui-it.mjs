// AgUiIT's client: AG-UI's own HttpAgent (@ag-ui/client 1.0.0) against Runstream's AG-UI face, every event
// (as HttpAgent hands it over, and as it came over the wire) validated by @ag-ui/core's EventSchemas.
// Usage: node ag-ui-it.mjs <base URL> <token>; prints one JSON line of what it saw; exits non-zero on a failed check.
import { HttpAgent } from "@ag-ui/client";
import { EventSchemas } from "@ag-ui/core/schemas";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

const [base, token] = process.argv.slice(2);
const url = `${base}/api/v1/ag-ui`;
const auth = { Authorization: `Bearer ${token}` };
const startedAt = Date.now();

/** A fetch that hands HttpAgent the response and keeps a copy of its body (the wire). */
function recordingFetch(wire) {
  return async (target, init) => {
    const response = await fetch(target, init);
    if (!response.body) {
      wire.push(Promise.resolve(""));
      return response;
    }
    const [mine, theirs] = response.body.tee();
    wire.push(new Response(theirs).text());
    return new Response(mine, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** The wire's events: {id, event}; checks the framing (LF only, one data line, an id on each). */
function parseWire(raw) {
  assert.ok(!raw.includes("\r"), "LF line endings only");
  const events = [];
  for (const block of raw.split("\n\n")) {
    const lines = block.split("\n").filter((line) => line.length > 0);
    const data = lines.filter((line) => line.startsWith("data:"));
    if (data.length === 0) {
      continue; // the opening comment, retry:, a ping
    }
    assert.equal(data.length, 1, `one data line per event: ${block}`);
    const ids = lines.filter((line) => line.startsWith("id: "));
    assert.equal(ids.length, 1, `an id on each event: ${block}`);
    assert.equal(lines.filter((line) => line.startsWith("event:")).length, 0, `data-only events: ${block}`);
    events.push({ id: Number(ids[0].slice(4)), event: JSON.parse(data[0].slice(5).trim()) });
  }
  return events;
}

function noNulls(value, path = "$") {
  if (value === null) {
    assert.fail(`null at ${path}`);
  }
  if (typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      noNulls(inner, `${path}.${key}`);
    }
  }
}

/** Every event valid by the package's schema, no nulls, a timestamp in milliseconds. */
function validate(events) {
  for (const event of events) {
    const parsed = EventSchemas.safeParse(event);
    assert.ok(parsed.success, `${JSON.stringify(event)}: ${parsed.success ? "" : parsed.error.message}`);
    noNulls(event);
    assert.ok(Number.isInteger(event.timestamp), `timestamp on ${event.type}`);
    assert.ok(event.timestamp > startedAt - 600_000 && event.timestamp < Date.now() + 60_000, `ms timestamp ${event.timestamp}`);
  }
}

/** One run through HttpAgent: the events it handed over, and the wire's. */
async function run(agent, wire, parameters) {
  const events = [];
  const result = await agent.runAgent(parameters, { onEvent: ({ event }) => void events.push(event) });
  const raw = await wire.at(-1);
  const onWire = parseWire(raw);
  validate(events);
  validate(onWire.map((e) => e.event));
  assert.deepEqual(onWire.map((e) => e.event), events, "HttpAgent hands over the wire's events unchanged");
  const ids = onWire.map((e) => e.id);
  assert.deepEqual([...ids].sort((a, b) => a - b), ids, "ids in order");
  return { events, onWire, result };
}

function text(events) {
  return events.filter((e) => e.type === "TEXT_MESSAGE_CONTENT").map((e) => e.delta).join("");
}

function agent(threadId, messages, wire, headers = {}) {
  return new HttpAgent({ url, threadId, initialMessages: messages, headers: { ...auth, ...headers }, fetch: recordingFetch(wire) });
}

const out = {};
const threadId = `thread-${randomUUID()}`;
const message = { id: randomUUID(), role: "user", content: "Tell me about streaming runs" };
const simulation = (script) => ({ simulation: { script, tokens_per_second: 0 } });

// 1. A run: reasoning, a stage, text; RUN_STARTED first, RUN_FINISHED last with usage.
const wire = [];
const chat = agent(threadId, [message], wire);
const runId1 = `run-${randomUUID()}`;
const first = await run(chat, wire, {
  runId: runId1,
  forwardedProps: simulation([
    { type: "reasoning", text: "Weighing what to say" },
    { type: "stage", input: { missionLabel: "Answering", mood: "focused" } },
    { type: "text", text: "Runs stream over SSE and resume by id" },
  ]),
});
const types = first.events.map((e) => e.type);
assert.equal(types[0], "RUN_STARTED");
assert.deepEqual({ threadId: first.events[0].threadId, runId: first.events[0].runId }, { threadId, runId: runId1 });
assert.equal(types.at(-1), "RUN_FINISHED");
assert.equal(first.events.at(-1).threadId, threadId);
assert.equal(first.events.at(-1).runId, runId1);
assert.ok(first.events.at(-1).usage[0].outputTokens > 0, "usage on RUN_FINISHED");
for (const type of ["TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END", "REASONING_START",
  "REASONING_MESSAGE_CONTENT", "REASONING_END", "STEP_STARTED", "STEP_FINISHED"]) {
  assert.ok(types.includes(type), `${type} in ${types}`);
}
const start = first.events.find((e) => e.type === "TEXT_MESSAGE_START");
assert.equal(start.role, "assistant");
assert.equal(text(first.events), "Runs stream over SSE and resume by id");
const answer = chat.messages.find((m) => m.role === "assistant" && m.id === start.messageId);
assert.equal(answer?.content, "Runs stream over SSE and resume by id", "HttpAgent's messages hold the answer");
out.first = { runId: runId1, types, messageId: start.messageId, usage: first.events.at(-1).usage[0], text: text(first.events) };

// 2. Errors: 401 without a token, 400 with a JSON body for malformed inputs, through HttpAgent too.
const unauthenticated = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
  body: JSON.stringify({ threadId, runId: "x", messages: [message] }) });
out.unauthenticated = { status: unauthenticated.status, body: await unauthenticated.json() };
out.malformed = [];
for (const body of ["{bad json", "[]", JSON.stringify({ runId: "r", messages: [message] }),
  JSON.stringify({ threadId: "t", runId: "r" }), JSON.stringify({ threadId: "t", runId: "r", messages: [{ id: "a", role: "robot", content: "x" }] }),
  JSON.stringify({ threadId: "t", runId: "r", messages: [{ id: "a", role: "assistant", content: "x" }] }),
  JSON.stringify({ threadId: "t", runId: "r", messages: [message], context: [{ description: 1 }] }),
  JSON.stringify({ threadId: "t", runId: "r", messages: [message], forwardedProps: { model: 7 } })]) {
  const answer = await fetch(url, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body });
  const type = answer.headers.get("content-type");
  out.malformed.push({ body, status: answer.status, type, answer: type?.includes("json") ? await answer.json() : await answer.text() });
}
try {
  await agent(`thread-${randomUUID()}`, [], []).runAgent({ runId: "no-messages" });
  assert.fail("HttpAgent: a run without a user message is refused");
} catch (error) {
  out.refusedByHttpAgent = { status: error.status, payload: error.payload };
}

// 3. A second run on the same thread: the stored transcript is its history.
chat.addMessage({ id: randomUUID(), role: "user", content: "Tell me about streaming runs" });
const runId2 = `run-${randomUUID()}`;
const second = await run(chat, wire, {
  runId: runId2,
  context: [{ description: "The user's city", value: "Lisbon" }],
  forwardedProps: { model: "simulated/sim-ag-ui", ...simulation([{ type: "text", text: "As I said before runs resume by id" }]) },
});
assert.equal(second.events[0].runId, runId2);
assert.equal(second.events[0].threadId, threadId);
assert.equal(text(second.events), "As I said before runs resume by id");
assert.notEqual(second.events.find((e) => e.type === "TEXT_MESSAGE_START").messageId, start.messageId);
out.second = { runId: runId2, usage: second.events.at(-1).usage[0], ids: second.onWire.map((e) => e.id) };
assert.ok(out.second.usage.inputTokens > out.first.usage.inputTokens + 5, "the first turn was the second's history");

// 4a. The same runId again: that run replayed (same events), nothing new run.
const replayWire = [];
const replay = await run(agent(threadId, [message], replayWire), replayWire, { runId: runId1 });
assert.deepEqual(replay.events.map(({ timestamp, ...e }) => e), first.events.map(({ timestamp, ...e }) => e), "replayed");
assert.deepEqual(replay.onWire.map((e) => e.id), first.onWire.map((e) => e.id));

// 4b. Last-Event-ID (Runstream's extension): the events after that id, opened again for HttpAgent.
const contents = second.onWire.filter((e) => e.event.type === "TEXT_MESSAGE_CONTENT");
const cut = contents[1].id;
const resumeWire = [];
const resumed = await run(agent(threadId, [message], resumeWire, { "Last-Event-ID": String(cut) }), resumeWire, { runId: runId2 });
const reopened = resumed.onWire.filter((e) => e.id === cut).map((e) => e.event);
assert.equal(reopened[0].type, "RUN_STARTED", "the reopening carries the resume id");
assert.equal(reopened[0].runId, runId2);
assert.ok(reopened.some((e) => e.type === "TEXT_MESSAGE_START"), "the open message opened again");
const rest = resumed.onWire.slice(reopened.length);
assert.ok(rest.every((e) => e.id > cut), "then only events after the id");
const after = second.onWire.filter((e) => e.id > cut);
assert.deepEqual(rest.map((e) => e.event), after.map((e) => e.event));
const last = second.onWire.at(-1).id;
const nothing = await fetch(url, { method: "POST", headers: { ...auth, "Content-Type": "application/json", "Last-Event-ID": String(last) },
  body: JSON.stringify({ threadId, runId: runId2, messages: [message] }) });
out.resume = { cut, events: resumed.onWire.length, afterLast: nothing.status };

// 5. A frontend tool round trip: the run ends at the call; its result, in the next run's messages, continues it.
const toolWire = [];
const weather = { name: "get_weather", description: "The weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const toolThread = `thread-${randomUUID()}`;
const planner = agent(toolThread, [{ id: randomUUID(), role: "user", content: "What is the weather in Lisbon?" }], toolWire);
const toolScript = simulation([
  { type: "call", name: "get_weather", input: { city: "Lisbon" } },
  { type: "text", text: "It is sunny in Lisbon" },
]);
const runId3 = `run-${randomUUID()}`;
const calling = await run(planner, toolWire, { runId: runId3, tools: [weather], forwardedProps: toolScript });
const callTypes = calling.events.map((e) => e.type);
assert.equal(callTypes[0], "RUN_STARTED");
assert.equal(callTypes.at(-1), "RUN_FINISHED");
assert.equal(calling.events.at(-1).runId, runId3);
const callStart = calling.events.find((e) => e.type === "TOOL_CALL_START");
assert.equal(callStart.toolCallName, "get_weather");
assert.ok(callStart.parentMessageId, "parentMessageId");
const args = calling.events.filter((e) => e.type === "TOOL_CALL_ARGS").map((e) => e.delta).join("");
assert.deepEqual(JSON.parse(args), { city: "Lisbon" });
assert.ok(callTypes.indexOf("TOOL_CALL_END") < callTypes.indexOf("RUN_FINISHED"));
assert.ok(!callTypes.includes("TOOL_CALL_RESULT"), "the client answers its own tool");
const called = planner.messages.find((m) => m.role === "assistant" && m.toolCalls?.length);
assert.equal(called.toolCalls[0].function.name, "get_weather");
planner.addMessage({ id: randomUUID(), role: "tool", toolCallId: callStart.toolCallId, content: "sunny, 24 degrees" });
const runId4 = `run-${randomUUID()}`;
const continued = await run(planner, toolWire, { runId: runId4, tools: [weather], forwardedProps: toolScript });
assert.equal(continued.events[0].type, "RUN_STARTED");
assert.equal(continued.events[0].runId, runId4);
assert.equal(continued.events[0].threadId, toolThread);
assert.equal(continued.events.at(-1).type, "RUN_FINISHED");
assert.equal(text(continued.events), "It is sunny in Lisbon");
assert.ok(!continued.events.some((e) => e.type.startsWith("TOOL_CALL")), "the call is not shown again");
assert.ok(continued.onWire[0].id > calling.onWire.at(-1).id, "the continuation's ids follow the call's");
const roles = planner.messages.map((m) => m.role);
assert.deepEqual(roles, ["user", "assistant", "tool", "assistant"]);
assert.equal(planner.messages.at(-1).content, "It is sunny in Lisbon");
const stale = await fetch(url, { method: "POST", headers: { ...auth, "Content-Type": "application/json" },
  body: JSON.stringify({ threadId: toolThread, runId: "again", messages: planner.messages.slice(0, 3) }) });
out.tools = { threadId: toolThread, toolCallId: callStart.toolCallId, stale: { status: stale.status, body: await stale.json() } };

// 6. A failed run: what was open is closed, then RUN_ERROR {message, code}.
const failWire = [];
const failing = agent(`thread-${randomUUID()}`, [{ id: randomUUID(), role: "user", content: "Try and fail" }], failWire);
let rejected = false;
try {
  await failing.runAgent({ runId: `run-${randomUUID()}`, forwardedProps: simulation([
    { type: "text", text: "Partly answered" },
    { type: "fail", code: "provider_down", error: "The provider is down", retryable: false },
  ]) });
} catch {
  rejected = true;
}
const failed = parseWire(await failWire.at(-1)).map((e) => e.event);
validate(failed);
const failedTypes = failed.map((e) => e.type);
assert.equal(failedTypes[0], "RUN_STARTED");
assert.equal(failedTypes.at(-1), "RUN_ERROR");
assert.ok(failedTypes.lastIndexOf("TEXT_MESSAGE_END") > failedTypes.lastIndexOf("TEXT_MESSAGE_CONTENT"));
assert.ok(failed.at(-1).message.length > 0 && failed.at(-1).code.length > 0);
out.failed = { rejected, code: failed.at(-1).code, message: failed.at(-1).message };

console.log(JSON.stringify(out));
