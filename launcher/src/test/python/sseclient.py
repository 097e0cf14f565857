"""A minimal stand-in for the `sseclient-py` package's API (SSEClient(response).events()), which is on PyPI only
and PyPI is not reachable here: enough for seed 001's Python example to run unchanged. It parses the
text/event-stream format of the WHATWG HTML standard: id, event, data (joined by newlines), comments ignored."""


class Event:
    def __init__(self, id=None, event='message', data=''):
        self.id = id
        self.event = event
        self.data = data


class SSEClient:
    def __init__(self, event_source, char_enc='utf-8'):
        self._source = event_source
        self._char_enc = char_enc

    def _lines(self):
        buffer = b''
        for chunk in self._source.iter_content(chunk_size=None):
            buffer += chunk
            while True:
                cut = min([i for i in (buffer.find(b'\n'), buffer.find(b'\r')) if i >= 0], default=-1)
                if cut < 0:
                    break
                line, rest = buffer[:cut], buffer[cut + 1:]
                if buffer[cut:cut + 2] == b'\r\n':
                    rest = buffer[cut + 2:]
                buffer = rest
                yield line.decode(self._char_enc)

    def events(self):
        last_id = None
        event, data = None, []
        for line in self._lines():
            if line == '':
                if data:
                    yield Event(last_id, event or 'message', '\n'.join(data))
                event, data = None, []
                continue
            if line.startswith(':'):
                continue
            field, _, value = line.partition(':')
            value = value[1:] if value.startswith(' ') else value
            if field == 'id':
                last_id = value
            elif field == 'event':
                event = value
            elif field == 'data':
                data.append(value)

    def close(self):
        self._source.close()
