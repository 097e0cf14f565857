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

base, jwt = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base + "/v1", api_key=jwt, max_retries=0, timeout=60)
model = "simulated/sim-1"
out = {}

events = list(client.responses.create(model=model, input="Hello from Python", stream=True,
                                      extra_body={"simulation": {"output_tokens": 10, "tokens_per_second": 0}}))
out["streamed"] = {
    "types": [e.type for e in events],
    "sequence": [e.sequence_number for e in events],
    "text": "".join(e.delta for e in events if e.type == "response.output_text.delta"),
    "status": events[-1].response.status,
    "outputText": events[-1].response.output_text,
}

background = client.responses.create(model=model, input="In the background", background=True,
                                     extra_body={"simulation": {"output_tokens": 30, "tokens_per_second": 60}})
tail = list(client.responses.retrieve(background.id, stream=True, starting_after=2))
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
print(json.dumps(out))
