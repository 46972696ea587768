import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlexTvClient } from '../../src/plex/plex-tv.client';

/*
 * The plex.tv reading client's own transport (Node's http, axios only behind a proxy), against
 * small real servers that misbehave in ways the fake plex.tv does not.
 */
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
async function serve(handler: Handler): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} token=${req.headers['x-plex-token'] ?? '-'}`);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  delete process.env.HTTP_PROXY;
});

const RESOURCES = '<MediaContainer><Device name="Home" clientIdentifier="abc" provides="server" owned="1"/></MediaContainer>';
const client = (baseUrl: string) => new PlexTvClient({ baseUrl, token: 'secret-token', clientIdentifier: 'test', retries: 1, retryDelayMs: 1, timeoutMs: 2000 });

describe('PlexTvClient transport', () => {
  it('refuses a body shorter than its Content-Length, even when what arrived is whole XML', async () => {
    const plex = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': String(RESOURCES.length + 500) });
      res.write(RESOURCES);
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(client(plex.url).getOwnedServers()).rejects.toThrow(/plex\.tv/);
    expect(plex.requests).toHaveLength(2); // the cut connection is retried once, then reported
  });

  it('follows a redirect within plex.tv', async () => {
    const plex = await serve((req, res) => {
      if (req.url?.startsWith('/api/resources')) {
        res.writeHead(302, { Location: '/api/v2/resources' });
        return res.end();
      }
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(RESOURCES);
    });
    await expect(client(plex.url).getOwnedServers()).resolves.toEqual([{ machineIdentifier: 'abc', name: 'Home' }]);
    expect(plex.requests).toEqual(['GET /api/resources?includeHttps=1 token=secret-token', 'GET /api/v2/resources token=secret-token']);
  });

  it('never follows a redirect to another host, so the token stays with plex.tv', async () => {
    const elsewhere = await serve((_req, res) => res.end(RESOURCES));
    const plex = await serve((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.url}/api/resources` });
      res.end();
    });
    await expect(client(plex.url).getOwnedServers()).rejects.toThrow(/redirected to another host/);
    expect(elsewhere.requests).toEqual([]);
  });

  it('goes through the proxy HTTP_PROXY names', async () => {
    const plexUrl = 'http://plex.invalid';
    const proxy = await serve((req, res) => {
      res.writeHead(req.url === `${plexUrl}/api/resources?includeHttps=1` ? 200 : 502, { 'Content-Type': 'application/xml' });
      res.end(RESOURCES);
    });
    process.env.HTTP_PROXY = proxy.url;
    await expect(client(plexUrl).getOwnedServers()).resolves.toEqual([{ machineIdentifier: 'abc', name: 'Home' }]);
    expect(proxy.requests).toEqual([`GET ${plexUrl}/api/resources?includeHttps=1 token=secret-token`]);
  });
});
