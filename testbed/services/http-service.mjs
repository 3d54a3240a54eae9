#!/usr/bin/env node
// A tiny HTTP service for demos and tests: answers 200 "ok" on every path.
// Usage: node http-service.mjs <port> [host]. Plain JS so it runs without a build step.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 8080);
const host = process.argv[3] ?? '127.0.0.1';
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok\n');
});
server.listen(port, host, () => {
  process.stdout.write(`http-service listening on ${host}:${port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
