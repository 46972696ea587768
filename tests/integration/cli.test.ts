import { setTimeout as sleep } from 'node:timers/promises';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, SMALL_IDS, SMALL_USERS, smallAccount } from '../fakes/plex/plex-data';
import { runCli, startCli, runCliOk } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';
import { openDatabase } from '../../src/database/data-source';
import { domainSnapshot } from '../support/harness';

describe.each(DATABASE_KINDS)('the streams-manager CLI on %s', (kind) => {
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    db = await createTestDatabase(kind);
    env = {
      DATABASE_URL: db.url,
      PLEX_TV_URL: await plex.start(),
      PLEX_TOKEN: DEFAULT_TOKEN,
      PLEX_RETRIES: '1',
      PLEX_RETRY_DELAY_MS: '5',
      SYNC_LOCK_TTL_SECONDS: '2',
    };
  });
  afterEach(async () => {
    await plex.stop();
    await db.drop();
  });

  const ok = (args: string[], extraEnv: Record<string, string> = {}) => runCliOk(args, { ...env, ...extraEnv });
  const json = async (args: string[]) => JSON.parse(await ok([...args, '--json']));

  it('plans set-access: per server all libraries or titles checked on plex.tv, shown by plans list', async () => {
    await ok(['plans', 'create', '--name', 'Family', '--duration', '1m', '--price', '20']);
    expect(await ok(['plans', 'set-access', 'Family', '--server', SMALL_IDS.livingRoom, '--all'])).toBe('plan "Family" grants: Living Room: all libraries\n');
    const set = await json(['plans', 'set-access', 'Family', '--server', SMALL_IDS.cabin, '--libraries', 'Films, Kids & Family']);
    expect(set.access).toEqual([
      { machineIdentifier: SMALL_IDS.cabin, serverName: "Cabin & Co's", allLibraries: false, libraries: ['Films', 'Kids & Family'] },
      { machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: true, libraries: [] },
    ]);
    expect((await json(['plans', 'list']))[0]).toMatchObject({ name: 'Family', access: set.access });
    expect(await ok(['plans', 'list'])).toContain("Cabin & Co's: Films, Kids & Family; Living Room: all libraries");

    const unknown = await runCli(['plans', 'set-access', 'Family', '--server', SMALL_IDS.cabin, '--libraries', 'Anime'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`error: Cabin & Co's has no library "Anime"; its libraries are: "Films", "Séries <HD>", "Kids & Family"\n`);
    const both = await runCli(['plans', 'set-access', 'Family', '--server', SMALL_IDS.cabin, '--all', '--none'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('exactly one of --all, --libraries "A,B" or --none');

    expect(await ok(['plans', 'set-access', 'Family', '--server', SMALL_IDS.livingRoom, '--none'])).toBe(`plan "Family" grants: Cabin & Co's: Films, Kids & Family\n`);
    expect((await json(['plans', 'list']))[0].access).toEqual([set.access[0]]);
  });

  it('plans set-renew: renew libraries checked on plex.tv and days, shown by plans list; --none turns it off', async () => {
    await ok(['plans', 'create', '--name', 'Family', '--duration', '1m', '--price', '20']);
    const noAccess = await runCli(['plans', 'set-renew', 'Family', '--server', SMALL_IDS.livingRoom, '--libraries', 'Photos', '--days', '14'], env);
    expect(noAccess.code).toBe(1);
    expect(noAccess.stderr).toContain('set its access first');
    await ok(['plans', 'set-access', 'Family', '--server', SMALL_IDS.livingRoom, '--all']);
    const unknown = await runCli(['plans', 'set-renew', 'Family', '--server', SMALL_IDS.livingRoom, '--libraries', 'How to renew', '--days', '14'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: Living Room has no library "How to renew"; its libraries are: "Movies", "TV Shows", "Music", "Photos"\n');

    expect(await ok(['plans', 'set-renew', 'Family', '--server', SMALL_IDS.livingRoom, '--libraries', 'photos', '--days', '14'])).toBe(
      'plan "Family" keeps while renewing: 14 day(s): Living Room: Photos\n',
    );
    const listed = await json(['plans', 'list']);
    expect(listed[0]).toMatchObject({
      name: 'Family',
      renew: { days: 14, access: [{ machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: false, libraries: ['Photos'] }] },
    });
    expect(await ok(['plans', 'set-renew', 'Family', '--none'])).toBe('plan "Family" has no renew stage (expired users are removed after the grace days)\n');
    expect((await json(['plans', 'list']))[0].renew).toBeNull();
  });

  it('migrates, creates plans, syncs and lists in the documented JSON shapes', async () => {
    expect(await ok(['migrate'])).toBe('migrations applied\n');
    expect(await ok(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10.00', '--default'])).toContain('plan "Monthly" created');
    await ok(['plans', 'create', '--name', 'Quarter', '--duration', '90d', '--price', '27.5', '--currency', 'eur']);
    expect(await json(['plans', 'list'])).toEqual([
      { name: 'Monthly', duration: '1 month', durationValue: 1, durationUnit: 'month', price: '10.00', priceCents: 1000, currency: 'USD', default: true, access: [], renew: null, payUrlTemplate: null, stripePriceId: null },
      { name: 'Quarter', duration: '90 days', durationValue: 90, durationUnit: 'day', price: '27.50', priceCents: 2750, currency: 'EUR', default: false, access: [], renew: null, payUrlTemplate: null, stripePriceId: null },
    ]);

    const summary = await json(['sync', 'users']);
    expect(summary).toMatchObject({ created: 6, defaultPayments: 6, updated: 0, unchanged: 0, removed: 0 });
    expect(await json(['sync', 'shared-servers'])).toMatchObject({ created: 5 });

    const users = await json(['users', 'list']);
    const obrien = users.find((u: { plexId: number }) => u.plexId === SMALL_USERS.obrien);
    expect(Object.keys(obrien).sort()).toEqual(
      ['plexId', 'username', 'email', 'title', 'home', 'class', 'paypalEmail', 'discordId', 'discordUsername', 'removedAt', 'servers', 'defaultPayment'].sort(),
    );
    expect(obrien).toMatchObject({ title: "O'Brien & Søn", class: 'standard', paypalEmail: null, discordId: null, removedAt: null, home: false });
    expect(obrien.defaultPayment).toMatchObject({ plan: 'Monthly', subscriptionId: null });
    expect(obrien.servers.map((s: { serverName: string }) => s.serverName).sort()).toEqual(["Cabin & Co's", 'Living Room']);
    expect(Object.keys(obrien.servers[0]).sort()).toEqual(['acceptedAt', 'allLibraries', 'invitedAt', 'libraries', 'machineIdentifier', 'pending', 'serverName']);

    const shares = await json(['shared-servers', 'list']);
    expect(shares).toHaveLength(5);
    expect(Object.keys(shares[0]).sort()).toEqual(
      ['acceptedAt', 'allLibraries', 'invitedAt', 'libraries', 'machineIdentifier', 'pending', 'plexUserId', 'serverName', 'username'],
    );

    expect(await json(['servers', 'list'])).toEqual(
      expect.arrayContaining([{ machineIdentifier: SMALL_IDS.cabin, name: "Cabin & Co's", importAs: 'standard', enabled: true }]),
    );
    expect(await ok(['servers', 'set', SMALL_IDS.cabin, '--import-as', 'permanent'])).toBe("Cabin & Co's: new users import as permanent, enabled\n");
    // Human-readable output too.
    expect(await ok(['users', 'list'])).toMatch(/O'Brien & Søn\s+obrien_son\s+standard\s+2/);
  });

  it('previews a sync with --dry-run', async () => {
    await ok(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10']);
    const out = await ok(['sync', 'users', '--dry-run']);
    expect(out).toContain('Dry run, nothing written. Would have: created 6');
    expect(out).toContain("+ O'Brien & Søn (plex 1001) as standard");
    expect(await json(['users', 'list'])).toEqual([]);
  });

  it('fails with one line naming the problem, a non-zero code, no secret, and the data as before', async () => {
    await ok(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10']);
    const dataSource = await openDatabase(db.url);
    const before = await domainSnapshot(dataSource);

    const badToken = await runCli(['sync', 'users'], { ...env, PLEX_TOKEN: 'wrong-secret-token' });
    expect(badToken).toMatchObject({ code: 1, stdout: '', stderr: 'error: Plex rejected the token (401): check PLEX_TOKEN\n' });

    plex.injectFault({ path: /^\/api\/users/, status: 500, times: Infinity });
    const serverError = await runCli(['sync', 'users'], env);
    expect(serverError).toMatchObject({ code: 1, stderr: 'error: plex.tv answered 500 to GET /api/users after 2 attempts\n' });
    plex.clearFaults();

    plex.injectFault({ path: /^\/api\/users/, truncate: true });
    const truncated = await runCli(['sync', 'users'], env);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/^error: plex.tv sent an invalid answer to GET \/api\/users: broken XML .*\n$/);

    const noToken = await runCli(['sync', 'users'], { ...env, PLEX_TOKEN: '' });
    expect(noToken).toMatchObject({ code: 1, stderr: 'error: PLEX_TOKEN is not set: put the Plex owner account token in .env (see .env.example)\n' });

    const badUrl = await runCli(['users', 'list'], { ...env, DATABASE_URL: 'postgres://nope' });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/^error: Invalid configuration: DATABASE_URL: must be sqlite:PATH or mysql:/);

    const badPlan = await runCli(['plans', 'create', '--name', 'X', '--duration', 'forever', '--price', '1'], env);
    expect(badPlan).toMatchObject({ code: 1, stderr: 'error: duration "forever" is not valid: use a number of days or months, like 30d or 1m\n' });

    const usage = await runCli(['frobnicate'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: unknown command "frobnicate"/);

    for (const r of [badToken, serverError, truncated]) expect(r.stdout + r.stderr).not.toContain('secret');
    expect(await domainSnapshot(dataSource)).toEqual(before);
    await dataSource.destroy();
  });

  it('refuses a second sync from another process, and frees the lock when the holder dies', async () => {
    await ok(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10']);
    plex.injectFault({ path: /^\/api\/users/, delayMs: 20_000 });
    const holder = startCli(['sync', 'users'], env);
    const dataSource = await openDatabase(db.url);
    try {
      // Wait until the first process holds the lock.
      for (let i = 0; i < 100; i++) {
        if ((await dataSource.query('SELECT name FROM locks')).length > 0) break;
        await sleep(100);
      }
      expect(await dataSource.query('SELECT name FROM locks')).toHaveLength(1);

      const second = await runCli(['sync', 'shared-servers'], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/^error: a sync is already running since \d{4}-\d\d-\d\dT/);
      // The second process started while the holder was alive: its run is not abandoned.
      expect(await dataSource.query('SELECT outcome, finished_at FROM sync_runs')).toEqual([{ outcome: 'running', finished_at: null }]);

      holder.child.kill('SIGKILL');
      expect((await holder.done).signal).toBe('SIGKILL');
      // The dead holder's lease (2 s here) runs out; then the next sync goes ahead.
      await sleep(2_500);
      plex.clearFaults();
      const third = await runCli(['sync', 'users', '--json'], env);
      expect(third.code).toBe(0);
      expect(JSON.parse(third.stdout)).toMatchObject({ created: 6 });
      // The killed process's run was marked abandoned when the next one started.
      const runs = await dataSource.query('SELECT kind, outcome, finished_at FROM sync_runs ORDER BY id');
      expect(runs).toEqual([
        { kind: 'users', outcome: 'abandoned', finished_at: expect.anything() },
        { kind: 'users', outcome: 'succeeded', finished_at: expect.anything() },
      ]);
    } finally {
      holder.child.kill('SIGKILL');
      await dataSource.destroy();
    }
  });
});
