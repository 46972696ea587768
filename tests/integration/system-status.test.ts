import fs from 'node:fs';
import path from 'node:path';
import { version } from '../../package.json';
import { DEFAULT_TOKEN } from '../fakes/plex/plex-data';
import { runCli } from '../support/cli';
import { DATABASE_KINDS } from '../support/databases';
import { APP_ID, DISCORD_TOKEN, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';

const STRIPE_KEY = 'sk_test_status.secret.key';
const HOLDER = 'otherhost:4242:0b7e1b8e-6c33-4f0e-9d1c-3e0c2b1f5a77';
const csv = fs.readFileSync(path.join(__dirname, '../fixtures/paypal/us-activity.csv'), 'utf8');

describe.each(DATABASE_KINDS)('the system status on %s', (kind) => {
  let bed: LifecycleBed;
  /** A datetime parameter as the database's column takes it. */
  const at = (d: Date) => (kind === 'sqlite' ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}` : d);

  async function databaseNow(): Promise<number> {
    const query =
      kind === 'sqlite' ? "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') AS now" : "SELECT DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%d %H:%i:%s.%f') AS now";
    const [row] = await bed.sql<{ now: string }>(query);
    return new Date(`${row!.now.slice(0, 23).replace(' ', 'T')}Z`).getTime();
  }

  beforeEach(async () => {
    // Synced users and shares (two succeeded runs), Discord for the lifecycle, Stripe configured.
    bed = await startLifecycleBed(kind, [], { STRIPE_SECRET_KEY: STRIPE_KEY });
  });
  afterEach(async () => {
    await bed.close();
  });

  /**
   * Every kind of row: a failed shares sync, recorded lifecycle and CSV runs, then a lifecycle run
   * "running" under a live lock held by another process, a payments sync "running" with no lock
   * (its process died), an expired sync lock, and a PayPal cursor from when PayPal was configured.
   */
  async function seed(): Promise<void> {
    bed.h.plex.injectFault({ path: /\/shared_servers$/, status: 500, times: Infinity });
    await expect(bed.app.sharedServersSync().run()).rejects.toThrow(/500/);
    bed.h.plex.clearFaults();
    await bed.app.lifecycle.run();
    await bed.app.lifecycle.syncRoles();
    await bed.app.payments.importCsv(csv);
    const now = bed.clock.now();
    // Lease times are the database's clock (MariaDB keeps the real one even when the tests run on another date).
    const dbNow = await databaseNow();
    await bed.sql("INSERT INTO sync_runs (kind, started_at, outcome) VALUES ('lifecycle', ?, 'running')", [at(now)]);
    await bed.sql("INSERT INTO sync_runs (kind, started_at, outcome) VALUES ('payments-sync', ?, 'running')", [at(now)]);
    await bed.sql('INSERT INTO locks (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)', ['lifecycle', HOLDER, at(new Date(dbNow - 5_000)), at(new Date(dbNow + 3_600_000))]);
    await bed.sql('INSERT INTO locks (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)', ['plex-sync', 'deadhost:1:x', at(new Date(dbNow - 7_200_000)), at(new Date(dbNow - 3_600_000))]);
    await bed.sql('INSERT INTO import_cursors (source, synced_through, updated_at) VALUES (?, ?, ?)', ['paypal-api', at(new Date(now.getTime() - 3_600_000)), at(now)]);
  }

  it('shows the last runs of each kind, a dead run as abandoned, the locks, the cursors and both tokens accepted', async () => {
    await seed();
    const status = await bed.app.systemStatus.report();
    expect(status).toMatchObject({
      version,
      database: { kind: kind === 'sqlite' ? 'sqlite' : 'mariadb' },
      syncs: {
        users: { kind: 'users', state: 'succeeded', error: null, counts: expect.objectContaining({ created: 6 }) },
        sharedServers: { kind: 'shared-servers', state: 'failed', counts: null, error: expect.stringMatching(/plex\.tv answered 500/) },
      },
      lifecycle: {
        full: { kind: 'lifecycle', state: 'running', finishedAt: null, error: null },
        roles: { kind: 'lifecycle-roles', state: 'succeeded', counts: expect.objectContaining({ rolesAdded: 0, failures: 0 }) },
      },
      payments: {
        lastSync: { kind: 'payments-sync', state: 'abandoned', error: 'left running by a process that stopped (its lock is free)' },
        lastCsvImport: { kind: 'payments-csv', state: 'succeeded', counts: expect.objectContaining({ imported: 7 }) },
        sources: [
          { source: 'paypal-api', configured: false, syncedThrough: new Date(bed.clock.now().getTime() - 3_600_000).toISOString(), lastImportAt: bed.clock.now().toISOString() },
          { source: 'stripe', configured: true, syncedThrough: null, lastImportAt: null },
        ],
        problem: null,
      },
      locks: [
        { name: 'lifecycle', holder: HOLDER, live: true },
        { name: 'plex-sync', holder: 'deadhost:1:x', live: false },
      ],
      plex: { state: 'ok', detail: 'token accepted: account owner' },
      discord: { state: 'ok', detail: `token accepted: bot StreamsBot (${APP_ID})` },
    });
    // The newer full lifecycle run hides the finished one; it was recorded too.
    const lifecycleRuns = await bed.sql<{ outcome: string }>("SELECT outcome FROM sync_runs WHERE kind = 'lifecycle' ORDER BY id");
    expect(lifecycleRuns.map((r) => r.outcome)).toEqual(['succeeded', 'running']);
    // Reading the status writes nothing: the dead run is still "running" in the table.
    expect(await bed.sql("SELECT outcome FROM sync_runs WHERE kind = 'payments-sync'")).toEqual([{ outcome: 'running' }]);
  });

  it('says when plex.tv rejects the token or cannot be reached', async () => {
    bed.h.plex.update((a) => {
      a.token = 'revoked-token';
    });
    expect((await bed.app.systemStatus.report()).plex).toEqual({ state: 'rejected', detail: 'plex.tv rejected PLEX_TOKEN (401)' });
    bed.h.plex.update((a) => {
      a.token = DEFAULT_TOKEN;
    });
    bed.h.plex.injectFault({ path: /^\/api\/v2\/user$/, destroy: true });
    const unreachable = (await bed.app.systemStatus.report()).plex;
    expect(unreachable.state).toBe('unreachable');
    expect(unreachable.detail).toMatch(/^Cannot reach plex\.tv \(http:\/\/127\.0\.0\.1:\d+\) for GET \/api\/v2\/user: /);
  });

  it('answers whether the database answers, and no once it is closed', async () => {
    expect(await bed.app.systemStatus.databaseAnswers(2_000)).toBe(true);
    await bed.app.store.dataSource.destroy();
    expect(await bed.app.systemStatus.databaseAnswers(2_000)).toBe(false);
  });

  describe('from the CLI', () => {
    const secrets = [DEFAULT_TOKEN, DISCORD_TOKEN, STRIPE_KEY, 'wrong-discord-token.secret', 'revoked-plex-token'];
    const expectNoSecret = (text: string) => {
      for (const secret of secrets) expect(text).not.toContain(secret);
    };

    it('status --json: the same report; the dead run is marked abandoned at start, the live one stays running', async () => {
      await seed();
      const result = await runCli(['status', '--json'], bed.h.env);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const status = JSON.parse(result.stdout);
      expect(status).toMatchObject({
        syncs: { users: { state: 'succeeded' }, sharedServers: { state: 'failed' } },
        lifecycle: { full: { state: 'running' }, roles: { state: 'succeeded' } },
        payments: { lastSync: { state: 'abandoned', error: 'the process running it stopped before it finished' } },
        locks: [{ name: 'lifecycle', holder: HOLDER, live: true }, { name: 'plex-sync', live: false }],
        plex: { state: 'ok' },
        discord: { state: 'ok', detail: `token accepted: bot StreamsBot (${APP_ID})` },
      });
      expectNoSecret(result.stdout);
    });

    it('status as text: one line per check, run, source and lock, with how long ago', async () => {
      await seed();
      const result = await runCli(['status'], bed.h.env);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe(`streams-manager-bot ${version} · database ${kind === 'sqlite' ? 'sqlite' : 'mariadb'} · ${lines[0]!.split(' · ')[2]}`);
      expect(lines).toContain('plex.tv  ok: token accepted: account owner');
      expect(lines).toContain(`Discord  ok: token accepted: bot StreamsBot (${APP_ID})`);
      expect(lines.find((l) => l.startsWith('users sync '))).toMatch(/^users sync +succeeded +\d{4}-\d\d-\d\d \d\d:\d\dZ \(.+ ago\) .* created 6/);
      expect(lines.find((l) => l.startsWith('shared servers sync '))).toMatch(/ failed .*plex\.tv answered 500/);
      expect(lines.find((l) => l.startsWith('lifecycle run '))).toMatch(/^lifecycle run +running /);
      expect(lines.find((l) => l.startsWith('payments sync '))).toMatch(/^payments sync +abandoned .*the process running it stopped/);
      expect(lines.find((l) => l.startsWith('stripe '))).toMatch(/^stripe +yes +- +-$/);
      expect(lines.find((l) => l.startsWith('lifecycle  '))).toMatch(/^lifecycle +otherhost:4242:\S+ +.* until /);
      expect(lines.find((l) => l.startsWith('plex-sync '))).toMatch(/ran out .*: free$/);
      expectNoSecret(result.stdout);
    });

    it('says which token is refused, and what is not configured, without printing a token', async () => {
      bed.h.plex.update((a) => {
        a.token = 'revoked-plex-token';
      });
      const refused = await runCli(['status', '--json'], { ...bed.h.env, DISCORD_TOKEN: 'wrong-discord-token.secret' });
      expect(refused.code).toBe(0);
      expect(JSON.parse(refused.stdout)).toMatchObject({
        plex: { state: 'rejected', detail: 'plex.tv rejected PLEX_TOKEN (401)' },
        discord: { state: 'rejected', detail: 'Discord rejected DISCORD_TOKEN (401)' },
      });
      expectNoSecret(refused.stdout + refused.stderr);

      const { PLEX_TOKEN: _plex, DISCORD_TOKEN: _discord, STRIPE_SECRET_KEY: _stripe, ...bare } = bed.h.env;
      const unset = await runCli(['status', '--json'], { ...bare, PAYPAL_CLIENT_ID: 'only-the-id' });
      expect(unset.code).toBe(0);
      expect(JSON.parse(unset.stdout)).toMatchObject({
        plex: { state: 'not-configured', detail: 'PLEX_TOKEN is not set' },
        discord: { state: 'not-configured', detail: 'DISCORD_TOKEN is not set' },
        payments: { problem: expect.stringMatching(/^PAYPAL_CLIENT_SECRET is not set/), sources: [] },
      });
    });
  });
});
