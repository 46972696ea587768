import { FakeDiscord } from '../fakes/discord';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, SMALL_USERS as U, smallAccount } from '../fakes/plex/plex-data';
import { runCli, runCliOk } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';
import { domainSnapshot } from '../support/harness';
import { APP_ID, DISCORD_TOKEN, discordIdOf, GUILD_ID, guildSpec, ROLE_PERM, ROLE_SUB } from '../support/lifecycle';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { openDatabase } from '../../src/database/data-source';

describe.each(DATABASE_KINDS)('users edit-profile, edit-payment and set-class from the CLI on %s', (kind) => {
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    db = await createTestDatabase(kind);
    env = { DATABASE_URL: db.url, PLEX_TV_URL: await plex.start(), PLEX_TOKEN: DEFAULT_TOKEN, PLEX_RETRIES: '1', PLEX_RETRY_DELAY_MS: '5', LOG_LEVEL: 'silent' };
    // The users come in through the app in this process (the CLI's syncs have their own tests).
    const app = await createApp(loadConfig(env), { logger: createLogger('silent') });
    await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', makeDefault: true });
    await app.catalog.createPlan({ name: 'Yearly', duration: '12m', price: '100.00' });
    await app.usersSync().run();
    await app.sharedServersSync().run();
    await app.close();
  });
  afterEach(async () => {
    await plex.stop();
    await db.drop();
  });

  const ok = (args: string[], extraEnv: Record<string, string> = {}) => runCliOk(args, { ...env, ...extraEnv });
  const json = async (args: string[]) => JSON.parse(await ok([...args, '--json']));
  const listItem = async (plexId: number) => (await json(['users', 'list'])).find((u: { plexId: number }) => u.plexId === plexId);

  it('edit-profile saves the options given, keeps the others, clears one given as "", and --json prints the users list item', async () => {
    const discordId = discordIdOf(U.obrien);
    const item = await json(['users', 'edit-profile', String(U.obrien), '--paypal-email', 'OBrien@Example.com', '--discord-id', discordId, '--discord-username', 'obrien_son']);
    expect(item).toEqual(await listItem(U.obrien));
    expect(item).toMatchObject({ plexId: U.obrien, paypalEmail: 'obrien@example.com', discordId, discordUsername: 'obrien_son' });

    // Only the PayPal email given: the Discord link stays.
    expect(await ok(['users', 'edit-profile', String(U.obrien), '--paypal-email', 'son@example.com'])).toBe(
      `O'Brien & Søn (plex ${U.obrien}) saved: PayPal email son@example.com, Discord ${discordId} (obrien_son)\n`,
    );
    expect(await listItem(U.obrien)).toMatchObject({ paypalEmail: 'son@example.com', discordId, discordUsername: 'obrien_son' });

    // "" clears the email; the rest stays.
    await ok(['users', 'edit-profile', String(U.obrien), '--paypal-email', '']);
    expect(await listItem(U.obrien)).toMatchObject({ paypalEmail: null, discordId, discordUsername: 'obrien_son' });
  });

  it('edit-payment changes only the fields given; set-class switches the class', async () => {
    const before = (await listItem(U.obrien)).defaultPayment;
    const item = await json(['users', 'edit-payment', String(U.obrien), '--plan', 'Yearly', '--subscription-id', 'I-JSE05VWSMN55']);
    expect(item).toEqual(await listItem(U.obrien));
    expect(item.defaultPayment).toEqual({ plan: 'Yearly', startsAt: before.startsAt, endsAt: before.endsAt, subscriptionId: 'I-JSE05VWSMN55' });

    const out = await ok(['users', 'edit-payment', String(U.obrien), '--starts', '2031-01-01', '--ends', '2031-03-01']);
    expect(out).toMatch(new RegExp(`^O'Brien & Søn \\(plex ${U.obrien}\\) saved: default payment Yearly, 2031-01-01 to 2031-03-01, subscription I-JSE05VWSMN55; `));
    expect((await listItem(U.obrien)).defaultPayment).toEqual({
      plan: 'Yearly',
      startsAt: '2031-01-01T00:00:00.000Z',
      endsAt: '2031-03-01T00:00:00.000Z',
      subscriptionId: 'I-JSE05VWSMN55',
    });

    expect(await ok(['users', 'set-class', String(U.obrien), 'permanent'])).toBe(`O'Brien & Søn (plex ${U.obrien}) is now permanent\n`);
    const permanent = await json(['users', 'set-class', String(U.zoe), 'permanent']);
    expect(permanent).toEqual(await listItem(U.zoe));
    expect(permanent.class).toBe('permanent');
    expect((await listItem(U.obrien)).class).toBe('permanent');
    expect((await json(['users', 'set-class', String(U.obrien), 'standard'])).class).toBe('standard');
  });

  it('names every bad field by its option at once, exits 1 and saves nothing', async () => {
    await ok(['users', 'edit-profile', String(U.unal), '--paypal-email', 'taken@example.com']);
    const dataSource = await openDatabase(db.url);
    const before = await domainSnapshot(dataSource);

    const profile = await runCli(['users', 'edit-profile', String(U.obrien), '--paypal-email', 'not-an-email', '--discord-id', '12ab', '--discord-username', 'Not A Name!'], env);
    expect(profile).toMatchObject({ code: 1, stdout: '' });
    expect(profile.stderr).toBe(
      `error: nothing was saved for O'Brien & Søn (plex ${U.obrien}):\n` +
        '  --paypal-email: "not-an-email" is not an email address\n' +
        '  --discord-id: "12ab" is not a Discord ID (17 to 20 digits; right-click the member > Copy User ID)\n' +
        '  --discord-username: "Not A Name!" is not a Discord username (2 to 32 of a-z, 0-9, _ and .)\n',
    );

    const taken = await runCli(['users', 'edit-profile', String(U.obrien), '--paypal-email', 'TAKEN@example.com', '--json'], env);
    expect(taken).toMatchObject({ code: 1, stdout: '' });
    expect(taken.stderr).toContain('  --paypal-email: taken@example.com is already the PayPal email of Ünal Çelik');

    const payment = await runCli(
      ['users', 'edit-payment', String(U.obrien), '--plan', 'Weekly', '--starts', '2031-02-30', '--ends', 'soon', '--subscription-id', 'nope', '--json'],
      env,
    );
    expect(payment).toMatchObject({ code: 1, stdout: '' });
    const lines = payment.stderr.split('\n');
    expect(lines[0]).toBe(`error: nothing was saved for O'Brien & Søn (plex ${U.obrien}):`);
    expect(lines.slice(1).filter(Boolean).map((l) => l.trim().split(':')[0]).sort()).toEqual(['--ends', '--plan', '--starts', '--subscription-id']);
    expect(payment.stderr).toContain('--plan: there is no plan named "Weekly"');

    const order = await runCli(['users', 'edit-payment', String(U.obrien), '--starts', '2031-03-01', '--ends', '2031-01-01'], env);
    expect(order).toMatchObject({ code: 1, stderr: expect.stringContaining('--ends: the end date 2031-01-01 must be after the start date 2031-03-01') });

    expect(await domainSnapshot(dataSource)).toEqual(before);
    await dataSource.destroy();
  });

  it('edit-payment for a user without a default payment names the dates it cannot keep, then creates one on the default plan', async () => {
    const dataSource = await openDatabase(db.url);
    await dataSource.query('DELETE FROM payments WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', [U.noShares]);
    await dataSource.destroy();
    const refused = await runCli(['users', 'edit-payment', String(U.noShares), '--subscription-id', 'sub_abc123'], env);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(
      `error: nothing was saved for Lonely Friend (plex ${U.noShares}):\n` +
        '  --starts: not given, and the user has no default payment to keep it from\n' +
        '  --ends: not given, and the user has no default payment to keep it from\n',
    );
    expect((await listItem(U.noShares)).defaultPayment).toBeNull();
    const created = await json(['users', 'edit-payment', String(U.noShares), '--starts', '2031-01-01', '--ends', '2031-02-01', '--subscription-id', 'sub_abc123']);
    expect(created.defaultPayment).toEqual({ plan: 'Monthly', startsAt: '2031-01-01T00:00:00.000Z', endsAt: '2031-02-01T00:00:00.000Z', subscriptionId: 'sub_abc123' });
  });

  it('answers a usage error (exit 2) for a missing plex id, no option, or an unknown class; 1 for an unknown user', async () => {
    for (const args of [
      ['users', 'edit-profile'],
      ['users', 'edit-profile', 'obrien', '--paypal-email', 'a@example.com'],
      ['users', 'edit-payment', String(U.obrien)],
      ['users', 'edit-profile', String(U.obrien)],
      ['users', 'set-class', String(U.obrien), 'gold'],
      ['users', 'edit-profile', String(U.obrien), '--paypal-email'],
    ]) {
      const r = await runCli(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain('Usage: streams-manager');
    }
    const unknown = await runCli(['users', 'set-class', '424242', 'permanent'], env);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('no user with plex.tv id 424242') });
  });
});

describe.each(DATABASE_KINDS)('a CLI user edit when Discord is configured, on %s', (kind) => {
  let plex: FakePlexTv;
  let discord: FakeDiscord;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    // Ünal is not a member of the Discord server.
    discord = new FakeDiscord({ token: DISCORD_TOKEN, applicationId: APP_ID, botUser: { id: APP_ID, username: 'StreamsBot' }, guilds: [guildSpec([{ plexId: U.obrien }])] });
    db = await createTestDatabase(kind);
    env = {
      DATABASE_URL: db.url,
      PLEX_TV_URL: await plex.start(),
      PLEX_TOKEN: DEFAULT_TOKEN,
      PLEX_RETRIES: '1',
      PLEX_RETRY_DELAY_MS: '5',
      DISCORD_TOKEN,
      DISCORD_GUILD_ID: GUILD_ID,
      DISCORD_API_URL: (await discord.start()).apiUrl,
      DISCORD_SUBSCRIBER_ROLE_ID: ROLE_SUB,
      DISCORD_PERMANENT_ROLE_ID: ROLE_PERM,
      LOG_LEVEL: 'silent',
    };
    const app = await createApp(loadConfig(env), { logger: createLogger('silent') });
    await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', makeDefault: true });
    await app.usersSync().run();
    await app.close();
  });
  afterEach(async () => {
    await plex.stop();
    await discord.stop();
    await db.drop();
  });

  it('reconciles the user\'s roles after the save, and reports what Discord refused as a warning while the edit stays', async () => {
    const linked = await runCli(['users', 'edit-profile', String(U.obrien), '--discord-id', discordIdOf(U.obrien)], env);
    expect({ code: linked.code, stderr: linked.stderr }).toEqual({ code: 0, stderr: '' });
    expect(discord.roleChanges).toEqual([expect.objectContaining({ userId: discordIdOf(U.obrien), roleId: ROLE_SUB, action: 'add' })]);

    const permanent = await runCli(['users', 'set-class', String(U.obrien), 'permanent'], env);
    expect(permanent.code).toBe(0);
    expect(discord.roleChanges.slice(1)).toEqual([expect.objectContaining({ userId: discordIdOf(U.obrien), roleId: ROLE_PERM, action: 'add' })]);

    const missing = await runCli(['users', 'edit-profile', String(U.unal), '--discord-id', discordIdOf(U.unal), '--json'], env);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toBe("warning: saved, but Ünal Çelik's Discord roles were not updated: not a member of the Discord server (unknown member, 10007)\n");
    expect(JSON.parse(missing.stdout)).toMatchObject({ plexId: U.unal, discordId: discordIdOf(U.unal) });
    expect(discord.takeViolations()).toEqual([]);
  });
});
