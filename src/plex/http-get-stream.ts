import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

/** An answer whose body is still arriving. */
export interface StreamedAnswer {
  status: number;
  body: Readable;
}

export interface StreamGetOptions {
  headers: Record<string, string>;
  /** Idle time allowed on the connection (before the status line and between body chunks). */
  timeoutMs: number;
  maxRedirects?: number;
}

/**
 * True when the environment routes requests through a proxy (HTTP_PROXY and the like): Node's own
 * http client does not read those variables, axios does, so the caller keeps axios then.
 */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY'].some((name) => Boolean(env[name] ?? env[name.toLowerCase()]));
}

/**
 * A GET whose body is read as a stream, on Node's own http/https modules. plex.tv's reads need
 * nothing more, and axios costs a sync CLI run ~60–120 ms of module loading before its first
 * request. Redirects are followed within the same origin only, so the token never leaves it.
 * Failures are Node's errors with their `code` (ETIMEDOUT for the idle timeout), which the
 * plex.tv clients already sort into typed errors.
 */
export function getStream(url: string, options: StreamGetOptions): Promise<StreamedAnswer> {
  const maxRedirects = options.maxRedirects ?? 3;
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const request = client.get(target, { headers: options.headers });
    let timedOut = false;
    request.setTimeout(options.timeoutMs, () => {
      timedOut = true;
      request.destroy(timeoutError(options.timeoutMs));
    });
    request.on('error', reject);
    request.on('response', (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location && maxRedirects > 0) {
        response.resume();
        request.setTimeout(0);
        const next = new URL(location, target);
        if (next.origin !== target.origin) return reject(new Error(`redirected to another host (${next.host})`));
        return getStream(next.toString(), { ...options, maxRedirects: maxRedirects - 1 }).then(resolve, reject);
      }
      // A body that stalls past the idle time, or a connection cut mid-body, fails the stream.
      response.on('error', () => undefined);
      request.on('error', (error) => response.destroy(timedOut ? timeoutError(options.timeoutMs) : error));
      resolve({ status, body: response });
    });
  });
}

function timeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`timeout of ${timeoutMs} ms exceeded`), { code: 'ETIMEDOUT' });
}
