# Seed 001's Python example, unchanged but for where base and jwt come from and printing JSON lines.
# Usage: python3 agent_stream_seed.py <base> <orgid> <jwt>
import json, requests, sseclient, sys
base, orgid, jwt = sys.argv[1], sys.argv[2], sys.argv[3]
headers = {
'orgid': orgid,
'Authorization': f'Bearer {jwt}',
'Content-Type': 'application/json',
}
# Step 1
r = requests.post(
f'{base}/ai/agent/stream',
headers=headers,
data=json.dumps({
'task': 'List the steps to deploy a static site to Vercel.',
'agentRole': 'chat',
'conversationId': 'demo-1',
}),
)
stream_id = r.json()['streamId']
# Step 2
r = requests.get(f'{base}/ai/stream/{stream_id}', headers=headers, stream=True)
client = sseclient.SSEClient(r)
for ev in client.events():
    if ev.event == 'end':
        print(json.dumps({'end': True, 'id': ev.id, 'data': ev.data}))
        break
    if ev.event == 'data':
        chunk = json.loads(ev.data)
        print(json.dumps({'id': ev.id, 'chunk': chunk}))
