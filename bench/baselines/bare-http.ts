/**
 * Baseline A: the cheapest possible answer over node:http: the request body is read and a fixed
 * JSON body is sent. Whatever a GraphQL server adds is measured against this.
 */
import { createServer } from 'node:http';

const BODY = JSON.stringify({ data: { hello: 'world' } });
const port = Number(process.env.PORT ?? 0);

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(BODY) });
    response.end(BODY);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address() as { port: number };
  process.stdout.write(`bare http listening on http://127.0.0.1:${actual}/\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => server.close(() => process.exit(0)));
