import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { version } from '../../package.json';
import { DEFAULT_TOKEN } from '../fakes/plex/plex-data';
import { BOT_TOKEN, closeBotHarness, IDS, MEMBER_PERMISSIONS, startBotHarness, startBotProcessSetup, type BotHarness } from '../support/bot-harness';
import { startBotProcess } from '../support/cli';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan } from '../support/harness';

/** A port nobody listens on right now (the system's pick for port 0). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function request(port: number, path: string, method = 'GET', host = '127.0.0.1'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function waitForStatus(port: number, status: number, tries = 100): Promise<{ status: number; body: string }> {
  let last: { status: number; body: string } | string | undefined;
  for (let i = 0; i < tries; i++) {
    last = await request(port, '/healthz').catch((error: Error) => error.message);
    if (typeof last === 'string') {
      await sleep(100);
      continue;
    }
    if (last.status === status) return last;
    await sleep(100);
  }
  throw new Error(`/healthz never answered ${status}; last: ${JSON.stringify(last)}`);
}

const noSecrets = (text: string) => {
  expect(text).not.toContain(BOT_TOKEN);
  expect(text).not.toContain(DEFAULT_TOKEN);
};

describe.each(DATABASE_KINDS)('the bot on %s: /status and /healthz', (kind) => {
  let h: BotHarness;
  let port: number;
  beforeEach(async () => {
    port = await freePort();
    h = await startBotHarness(kind, { env: { HEALTH_PORT: String(port) } });
  });
  afterEach(async () => expect(await closeBotHarness(h)).toEqual([]));

  const admin = { guildId: IDS.guild, userId: IDS.admin };

  it('/status shows an admin the runs, the checks and the connection, in an ephemeral embed', async () => {
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
    const run = h.discord.chatInput({ ...admin, name: 'status' });
    expect((await run.response()).type).toBe(5);
    await run.waitFor((x) => x.final()?.embeds?.length > 0);
    const reply = run.final();
    expect(reply.flags & 64).toBe(64);
    const embed = reply.embeds[0];
    expect(embed.title).toBe('Status');
    expect(embed.description).toBe(`Version ${version} · database ${kind === 'sqlite' ? 'sqlite' : 'mariadb'}`);
    const fields = Object.fromEntries(embed.fields.map((f: { name: string; value: string }) => [f.name, f.value]));
    expect(Object.keys(fields)).toEqual(['plex.tv', 'Discord', 'Users sync', 'Shared servers sync', 'Lifecycle', 'Payments', 'Locks']);
    expect(fields['plex.tv']).toBe('✅ ok: token accepted: account owner');
    expect(fields.Discord).toMatch(new RegExp(`^✅ ok: bot streams-manager \\(${IDS.bot}\\), gateway connected \\(heartbeat .+\\)$`));
    const ranAt = Math.floor(h.clock.now().getTime() / 1000);
    expect(fields['Users sync']).toBe(`✅ succeeded <t:${ranAt}:R> (<t:${ranAt}:f>) · created 6, default payments 6`);
    expect(fields['Shared servers sync']).toBe('never run');
    expect(fields.Lifecycle).toBe('Full run: never run\nRoles: never run');
    expect(fields.Payments).toBe('API sync: never run\nCSV import: never run');
    expect(fields.Locks).toBe('none held');
    noSecrets(JSON.stringify(reply));
  });

  it('/status is refused to a member who is not an admin', async () => {
    const run = h.discord.chatInput({ guildId: IDS.guild, userId: IDS.member, permissions: MEMBER_PERMISSIONS, name: 'status', visibleByGuildOverride: true });
    const reply = await run.response();
    expect(reply.type).toBe(4);
    expect(reply.data.content).toBe('Only server admins (Manage Server permission) can use this.');
  });

  it('/healthz answers 200 once ready, 404 and 405 elsewhere, and only on 127.0.0.1', async () => {
    expect(h.bot.health).toMatchObject({ host: '127.0.0.1', port });
    const ok = await request(port, '/healthz');
    expect(ok).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(ok.headers['content-type']).toBe('application/json');
    expect(await request(port, '/healthz?probe=1', 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect(await request(port, '/status')).toMatchObject({ status: 404 });
    const post = await request(port, '/healthz', 'POST');
    expect(post).toMatchObject({ status: 405 });
    expect(post.headers.allow).toBe('GET, HEAD');
    // Every other address of this machine refuses the connection.
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => !!a && a.address !== '127.0.0.1' && !a.address.startsWith('fe80'))
      .map((a) => a.address);
    for (const address of others) await expect(request(port, '/healthz', 'GET', address)).rejects.toThrow(/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/);
  });

  it('/healthz answers 503 naming the database when the database is gone', async () => {
    await h.app.store.dataSource.destroy();
    const down = await request(port, '/healthz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ status: 'unavailable', failed: ['database'], gateway: 'ok', database: 'no answer to SELECT 1 within 2 s' });
    noSecrets(down.body);
  });

  it('/healthz answers 503 naming the gateway when Discord drops the connection for good', async () => {
    // 4004 (authentication failed) is a close discord.js does not reconnect after.
    h.discord.closeGateway(4004, 'Authentication failed.');
    const down = await waitForStatus(port, 503);
    expect(JSON.parse(down.body)).toEqual({ status: 'unavailable', failed: ['gateway'], gateway: expect.stringMatching(/^not connected \(/), database: 'ok' });
    noSecrets(down.body);
  });

  it('/healthz stops listening when the bot stops', async () => {
    await h.bot.stop();
    await expect(request(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('HEALTH_PORT already in use', () => {
  it('stops the start with a line naming the variable', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(startBotHarness('sqlite', { env: { HEALTH_PORT: String(port) } })).rejects.toThrow(
        `HEALTH_PORT=${port}: cannot listen on 127.0.0.1:${port}: the port is in use by another program`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

/** The built bot as `npm start` runs it: /healthz up while it runs, closed by the SIGTERM path. */
describe.each(DATABASE_KINDS)('the bot process on %s with HEALTH_PORT', (kind) => {
  it('serves /healthz once connected and stops listening when SIGTERM stops it', async () => {
    const port = await freePort();
    const setup = await startBotProcessSetup(kind, { HEALTH_PORT: String(port) });
    const { child, exited, output } = startBotProcess(setup.env);
    try {
      expect(await waitForStatus(port, 200, 200)).toMatchObject({ body: '{"status":"ok"}' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(request(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
      expect(output()).not.toContain(BOT_TOKEN);
      expect(setup.discord.takeViolations()).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await setup.stop();
    }
  });

  it('a SIGTERM while it is still starting (the health check already answers) stops it cleanly once started', async () => {
    const port = await freePort();
    const setup = await startBotProcessSetup(kind, { HEALTH_PORT: String(port) });
    const { child, exited, output } = startBotProcess(setup.env);
    try {
      // The first answer of any kind: the health server is up before the login and the command registration.
      for (let i = 0; i < 500; i++) {
        if (await request(port, '/healthz').then(() => true, () => false)) break;
        await sleep(10);
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toContain('stopped');
      await expect(request(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      child.kill('SIGKILL');
      await setup.stop();
    }
  });
});
