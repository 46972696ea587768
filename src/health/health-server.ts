import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config/config';

/** What /healthz asks: is the Discord gateway connected, and does the database answer. */
export interface HealthProbe {
  gateway(): { ready: boolean; detail: string };
  /** True when a trivial query answered within `timeoutMs`. */
  database(timeoutMs: number): Promise<boolean>;
}

export interface HealthServer {
  /** The address it listens on, as the socket reports it (127.0.0.1 unless told otherwise). */
  readonly host: string;
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** How long the database may take to answer `SELECT 1` before the bot counts as unhealthy. */
export const HEALTH_DATABASE_TIMEOUT_MS = 2_000;

/**
 * `GET /healthz` on 127.0.0.1 for systemd or a container's health check: 200 `{"status":"ok"}`
 * when the gateway is connected and the database answers, else 503 naming what failed. The body
 * says which part failed and nothing else: no error text, no stack, no configuration.
 */
export async function startHealthServer(
  port: number,
  probe: HealthProbe,
  options: { host?: string; databaseTimeoutMs?: number } = {},
): Promise<HealthServer> {
  const host = options.host ?? '127.0.0.1';
  const databaseTimeoutMs = options.databaseTimeoutMs ?? HEALTH_DATABASE_TIMEOUT_MS;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (path !== '/healthz') return send(404, { error: 'not found: the health check is GET /healthz' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'method not allowed: use GET' }, { Allow: 'GET, HEAD' });
    void check(probe, databaseTimeoutMs).then(
      (result) => send(result.ok ? 200 : 503, result.body),
      () => send(503, { status: 'unavailable', failed: ['check'] }),
    );
  });
  // A health check is one short request: do not let a client hold a socket open.
  server.keepAliveTimeout = 1_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use by another program' : error.code === 'EACCES' ? 'not allowed to use this port' : error.message;
      reject(new ConfigError(`HEALTH_PORT=${port}: cannot listen on ${host}:${port}: ${why}`));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function check(probe: HealthProbe, databaseTimeoutMs: number): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const gateway = probe.gateway();
  // Bounded here too: a probe that never settles must not leave the health check hanging.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), databaseTimeoutMs + 100);
  });
  const database = await Promise.race([probe.database(databaseTimeoutMs).catch(() => false), late]).finally(() => clearTimeout(timer));
  if (gateway.ready && database) return { ok: true, body: { status: 'ok' } };
  const failed = [...(gateway.ready ? [] : ['gateway']), ...(database ? [] : ['database'])];
  return {
    ok: false,
    body: {
      status: 'unavailable',
      failed,
      gateway: gateway.ready ? 'ok' : gateway.detail,
      database: database ? 'ok' : `no answer to SELECT 1 within ${databaseTimeoutMs / 1000} s`,
    },
  };
}
