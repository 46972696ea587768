/**
 * The bits the fake payment providers share: a real HTTP server on 127.0.0.1 (random port),
 * a log of requests, and injectable faults (status answers, delays, dropped connections).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Fault {
  method?: string;
  path: RegExp;
  /** How many matching requests this fault applies to. Default 1; Infinity ok. */
  times?: number;
  status?: number;
  body?: unknown;
  delayMs?: number;
  /** Destroy the socket without answering. */
  destroy?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface JsonAnswer {
  status: number;
  body: unknown;
}

export abstract class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private faults: Array<Fault & { left: number }> = [];
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Pending delayMs waits: stop() ends them, or their timers keep a jest worker alive after the suite. */
  private readonly delays = new Map<NodeJS.Timeout, () => void>();

  protected abstract handle(request: RecordedRequest): JsonAnswer;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const [timer, end] of this.delays) {
      clearTimeout(timer);
      end();
    }
    this.delays.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  /** Resolves true after ms, or false early when the client went away or the fake was stopped. */
  private delay(ms: number, res: http.ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const end = (live: boolean): void => {
        clearTimeout(timer);
        this.delays.delete(timer);
        res.off('close', gone);
        resolve(live);
      };
      const gone = (): void => end(false);
      const timer = setTimeout(() => end(!res.destroyed), ms);
      this.delays.set(timer, gone);
      res.once('close', gone);
    });
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    this.requests.push(request);
    const fault = this.faults.find((f) => f.left > 0 && f.path.test(request.path) && (!f.method || f.method.toUpperCase() === request.method));
    if (fault) {
      fault.left--;
      if (fault.delayMs && !(await this.delay(fault.delayMs, res))) return;
      if (fault.destroy) {
        req.socket.destroy();
        return;
      }
      if (fault.status) {
        this.send(res, { status: fault.status, body: fault.body ?? { error: http.STATUS_CODES[fault.status] } });
        return;
      }
    }
    let answer: JsonAnswer;
    try {
      answer = this.handle(request);
    } catch (error) {
      answer = { status: 500, body: { error: (error as Error).message } };
    }
    if (!res.destroyed) this.send(res, answer);
  }

  private send(res: http.ServerResponse, answer: JsonAnswer): void {
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}
