import http from 'node:http';
import { startHealthServer, type HealthProbe, type HealthServer } from '../../../src/health/health-server';

function get(port: number): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/healthz', timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += String(d)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started }));
      })
      .on('error', reject);
  });
}

describe('the /healthz server', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers 503 within the database timeout when the database never answers', async () => {
    const probe: HealthProbe = { gateway: () => ({ ready: true, detail: 'connected' }), database: () => new Promise<boolean>(() => undefined) };
    server = await startHealthServer(0, probe, { databaseTimeoutMs: 300 });
    const answer = await get(server.port);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'unavailable', failed: ['database'], gateway: 'ok', database: 'no answer to SELECT 1 within 0.3 s' });
    expect(answer.ms).toBeLessThan(2_000);
  });

  it('answers 503 naming both parts, and a database probe that throws counts as no answer', async () => {
    const probe: HealthProbe = { gateway: () => ({ ready: false, detail: 'not connected (connecting)' }), database: () => Promise.reject(new Error('ECONNREFUSED 10.0.0.5:3306 user=root')) };
    server = await startHealthServer(0, probe);
    const answer = await get(server.port);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'unavailable', failed: ['gateway', 'database'], gateway: 'not connected (connecting)', database: 'no answer to SELECT 1 within 2 s' });
    expect(answer.body).not.toContain('ECONNREFUSED');
  });
});
