/**
 * The ceiling: an HTTP server that does nothing but answer like the read API
 * (202 with an id, 207 with empty results for a batch). The surge benchmark
 * drives it with the same surge-load scenario on the same machine; the ratio of the
 * two throughputs shows how much of the machine the platform's own work takes.
 *   node dist/scripts/bare-http.server.js <port>
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 3199);
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const batch = req.url?.endsWith('/batch');
    res.writeHead(batch ? 207 : 202, { 'content-type': 'application/json' });
    res.end(batch ? '{"results":[]}' : JSON.stringify({ readingId: randomUUID(), status: 'received' }));
  });
})
  .listen(port, '127.0.0.1', () => console.log(`bare 202 server on 127.0.0.1:${port}`))
  .keepAliveTimeout = 65_000;
