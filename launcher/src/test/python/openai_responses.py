"""The official `openai` Python package (3.22.1) against Runstream's OpenAI Responses face (issue #28): one streamed
response (responses.create(stream=True)) and one background response, read with retrieve(stream=True,
starting_after=N) and polled to its end. The SDK's SSE decoder fails on a block that holds only a comment or
`retry:`, so this also checks that the face sends neither.

Usage: python openai_responses.py <baseUrl> <jwt>. Prints one line of JSON.
"""
import json
import sys
import time

from openai import OpenAI
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

base, jwt = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base + "/v1", api_key=jwt, max_retries=0, timeout=60)
model = "simulated/sim-1"
out = {}
invalid = []
events_adapter = TypeAdapter(ResponseStreamEvent)
response_adapter = TypeAdapter(Response)


def validated(adapter, item):
    """Validates what the server sent (the fields it set) against the package's own types, strictly."""
    try:
        adapter.validate_python(item.to_dict(mode="json"))
    except Exception as e:  # noqa: BLE001 - reported to the test
        invalid.append(str(e)[:500])
    return item


thinking = [{"type": "reasoning", "text": "A greeting, then."}, {"type": "text", "text": "Hello from Runstream."}]
events = [validated(events_adapter, e) for e in client.responses.create(
    model=model, input="Hello from Python", stream=True,
    extra_body={"simulation": {"script": thinking, "tokens_per_second": 0}})]
out["streamed"] = {
    "types": [e.type for e in events],
    "sequence": [e.sequence_number for e in events],
    "text": "".join(e.delta for e in events if e.type == "response.output_text.delta"),
    "status": events[-1].response.status,
    "outputText": events[-1].response.output_text,
}

background = client.responses.create(model=model, input="In the background", background=True,
                                     extra_body={"simulation": {"output_tokens": 30, "tokens_per_second": 60}})
tail = [validated(events_adapter, e)
        for e in client.responses.retrieve(background.id, stream=True, starting_after=2)]
polled = client.responses.retrieve(background.id)
for _ in range(100):
    if polled.status not in ("queued", "in_progress"):
        break
    time.sleep(0.1)
    polled = client.responses.retrieve(background.id)
out["background"] = {
    "status": background.status,
    "tailSequence": [e.sequence_number for e in tail],
    "tailText": "".join(e.delta for e in tail if e.type == "response.output_text.delta"),
    "polledStatus": polled.status,
    "polledText": polled.output_text,
}
tools = [{"type": "function", "name": "get_weather", "strict": True,
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                         "additionalProperties": False}}]
script = [{"type": "call", "name": "get_weather", "input": {"city": "Oslo"}}, {"type": "text", "text": "Cold in Oslo."}]
called = [validated(events_adapter, e) for e in client.responses.create(
    model=model, input="Weather in Oslo?", tools=tools, stream=True,
    extra_body={"simulation": {"script": script, "tokens_per_second": 0}})]
call = next(e.item for e in called if e.type == "response.output_item.done" and e.item.type == "function_call")
answered = [validated(events_adapter, e) for e in client.responses.create(
    model=model, previous_response_id=called[-1].response.id, stream=True,
    input=[{"type": "function_call_output", "call_id": call.call_id, "output": "{\"sky\": \"grey\"}"}])]
out["tools"] = {
    "call": call.name,
    "firstStatus": called[-1].response.status,
    "status": answered[-1].response.status,
    "text": "".join(e.delta for e in answered if e.type == "response.output_text.delta"),
}
slow = client.responses.create(model=model, input="A long story", background=True,
                               extra_body={"simulation": {"output_tokens": 400, "tokens_per_second": 20}})
time.sleep(0.5)
out["cancelled"] = validated(response_adapter, client.responses.cancel(slow.id)).status
validated(response_adapter, background)
validated(response_adapter, polled)
out["validated"] = len(events) + len(tail) + len(called) + len(answered) + 3
out["invalid"] = invalid
print(json.dumps(out))
