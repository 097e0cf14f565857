// A TCP proxy in front of the API that cuts the first response stream whose request line matches, after it has
// forwarded `afterBytes` bytes of it: the client sees its connection drop mid-stream, as behind a flaky network.
import net from 'node:net';

export async function startCuttingProxy({ targetHost, targetPort, matches, afterBytes }) {
  const state = { cut: false, connections: 0, requests: [] };
  const sockets = new Set();
  const server = net.createServer((client) => {
    state.connections++;
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    let watched = false;
    let forwarded = 0;
    client.on('data', (chunk) => {
      // A request starts a chunk (browsers do not pipeline); on a kept-alive connection it may be the n-th one.
      const text = chunk.toString('latin1');
      const line = text.split('\r\n')[0];
      if (/^[A-Z]+ \S+ HTTP\/1\.1$/.test(line) && matches(line)) {
        watched = !state.cut;
        forwarded = 0;
        const lastId = /\r\nlast-event-id: *([^\r\n]*)/i.exec(text);
        state.requests.push({ line, lastEventId: lastId ? lastId[1] : null });
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      client.write(chunk);
      if (watched && !state.cut) {
        forwarded += chunk.length;
        if (forwarded >= afterBytes) {
          state.cut = true;
          client.destroy();
          upstream.destroy();
        }
      }
    });
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  // Closing also ends the connections still open (kept alive), so that nothing holds the process.
  return { port: server.address().port, state, close: () => { server.close(); sockets.forEach(s => s.destroy()); } };
}
