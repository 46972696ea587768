import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import axios from 'axios';
import { createLogger } from '../../../src/config/logger';

/** The real logger writing to a string, as it writes to stderr. */
function capture() {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  return { logger: createLogger('debug', sink), text: () => out };
}

describe('the logger keeps secrets out', () => {
  it('censors secret keys at any depth and in any case, and secrets inside strings', () => {
    const { logger, text } = capture();
    logger.info(
      {
        deep: { a: { b: { c: { Authorization: 'Bearer Hunter2xa1', 'X-PLEX-TOKEN': 'Hunter2xa2', Token: 'Hunter2xa3', clientSecret: 'Hunter2xa4', PASSWORD: 'Hunter2xa5' } } } },
        list: [{ headers: { 'x-plex-token': 'Hunter2xb1' } }, { access_token: 'Hunter2xb2', STRIPE_SECRET_KEY: 'Hunter2xb3', PLEX_TOKEN: 'Hunter2xb4' }],
        DATABASE_URL: 'mysql://smb:Hunter2xc1@db.example:3306/streams',
        seen: 'retrying https://plex.tv/api/users?X-Plex-Token=Hunter2xc2&page=2',
        raw: 'GET /x HTTP/1.1\r\nAuthorization: Basic Hunter2xc3\r\nX-Plex-Token: Hunter2xc4\r\n',
      },
      'connecting to mysql://root:Hunter2xd1@127.0.0.1/db with %s',
      'Bot Hunter2xd2abcdefgh',
    );
    logger.warn('plain message with https://plex.tv/?token=Hunter2xd3');
    const out = text();
    expect(out).not.toMatch(/Hunter2x/);
    // What is not secret stays readable.
    expect(out).toContain('mysql://smb:[redacted]@db.example:3306/streams');
    expect(out).toContain('page=2');
    expect(out).toContain('"Authorization":"[redacted]"');
  });

  it('logs a real axios error (request config and headers, auth, response) without its secrets', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(500, { 'content-type': 'application/json', 'set-cookie': 'session=Hunter2xe0' });
      res.end(JSON.stringify({ error: 'boom', echoed: req.headers['x-plex-token'] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const error = await axios
        .get(`http://127.0.0.1:${port}/api/users?X-Plex-Token=Hunter2xe1`, {
          headers: { 'X-Plex-Token': 'Hunter2xe2', Authorization: 'Bearer Hunter2xe3' },
          auth: { username: 'owner', password: 'Hunter2xe4' },
          timeout: 5000,
        })
        .catch((e: unknown) => e as Error);
      expect(axios.isAxiosError(error)).toBe(true);
      const { logger, text } = capture();
      logger.error({ err: error, context: { url: `http://127.0.0.1:${port}/?token=Hunter2xe5` } }, 'plex.tv failed');
      logger.error(error);
      const out = text();
      expect(out).not.toMatch(/Hunter2x/);
      expect(out).toContain('Request failed with status code 500');
      expect(out).toContain('"status":500');
      expect(out).toContain('"type":"AxiosError"');
      expect(out).toContain('X-Plex-Token=[redacted]');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
