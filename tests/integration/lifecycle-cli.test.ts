import { FakeDiscord } from '../fakes/discord';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, SMALL_USERS as U, smallAccount } from '../fakes/plex/plex-data';
import { runCli, runCliOk } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { openDatabase } from '../../src/database/data-source';
import { APP_ID, DAY, DISCORD_TOKEN, discordIdOf, GUILD_ID, guildSpec, ROLE_PERM, ROLE_SUB } from '../support/lifecycle';

describe.each(DATABASE_KINDS)('the lifecycle CLI on %s', (kind) => {
  let plex: FakePlexTv;
  let discord: FakeDiscord;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    discord = new FakeDiscord({ token: DISCORD_TOKEN, applicationId: APP_ID, botUser: { id: APP_ID, username: 'StreamsBot' }, guilds: [guildSpec([{ plexId: U.obrien }, { plexId: U.unal }])] });
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
  });
  afterEach(async () => {
    await plex.stop();
    await discord.stop();
    await db.drop();
  });

  const ok = (args: string[], extraEnv: Record<string, string> = {}) => runCliOk(args, { ...env, ...extraEnv });

  it('lifecycle run --json and expiring --json print the documented shapes; --at only with --dry-run', async () => {
    // The data comes in through the app in this process (the CLI's syncs have their own tests).
    const app = await createApp(loadConfig(env), { logger: createLogger('silent') });
    await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', makeDefault: true });
    await app.usersSync().run();
    await app.sharedServersSync().run();
    await app.close();
    // The CLI runs on the real clock: O'Brien's payment ends in two days, the others' in a month.
    const dataSource = await openDatabase(db.url);
    const inTwoDays = new Date(Date.now() + 2 * DAY);
    await dataSource.query('UPDATE payments SET ends_at = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', [
      kind === 'sqlite' ? inTwoDays.toISOString().replace('T', ' ').slice(0, 23) : inTwoDays,
      U.obrien,
    ]);
    for (const plexId of [U.obrien, U.unal]) await dataSource.query('UPDATE users SET discord_id = ? WHERE plex_id = ?', [discordIdOf(plexId), plexId]);
    await dataSource.destroy();

    const preview = JSON.parse(await ok(['lifecycle', 'run', '--dry-run', '--json']));
    expect(preview).toMatchObject({ dryRun: true, rolesAdded: 2, remindersSent: 1 });
    expect(discord.roleChanges).toEqual([]);

    const result = JSON.parse(await ok(['lifecycle', 'run', '--json']));
    expect(Object.keys(result).sort()).toEqual(
      ['at', 'dryRun', 'rolesAdded', 'rolesRemoved', 'remindersSent', 'expiredNotified', 'removedFromPlex', 'reducedToRenew', 'restoredToPlex', 'plexAccessChanged', 'steps', 'failures'].sort(),
    );
    expect(result).toMatchObject({ dryRun: false, rolesAdded: 2, rolesRemoved: 0, remindersSent: 1, expiredNotified: 0, removedFromPlex: 0, failures: [] });
    expect(result.steps).toContainEqual({ plexId: U.obrien, title: "O'Brien & Søn", action: 'reminder', detail: expect.stringContaining('3-day reminder') });
    expect(discord.roleChanges).toHaveLength(2);
    expect(discord.dms).toHaveLength(1);
    // Run again: nothing left to do.
    expect(await ok(['lifecycle', 'run'])).toMatch(/^Lifecycle run at .*: roles added 0, roles removed 0, reminders sent 0/);

    const expiring = JSON.parse(await ok(['expiring', '--days', '3', '--json']));
    expect(Object.keys(expiring).sort()).toEqual(['at', 'days', 'dueForRemoval', 'expiring']);
    expect(expiring.days).toBe(3);
    expect(expiring.expiring).toEqual([
      { plexId: U.obrien, title: "O'Brien & Søn", username: 'obrien_son', discordId: discordIdOf(U.obrien), plan: 'Monthly', endsAt: inTwoDays.toISOString(), daysLeft: 2, recurring: false },
    ]);

    // In 40 days everyone has expired and the grace days are over: the preview says who would go.
    const at = new Date(Date.now() + 40 * DAY).toISOString();
    const later = JSON.parse(await ok(['lifecycle', 'run', '--dry-run', '--at', at, '--json']));
    expect(later).toMatchObject({ at, dryRun: true, rolesRemoved: 2, removedFromPlex: 4 });
    expect(plex.deletedShares).toEqual([]);

    const refused = await runCli(['lifecycle', 'run', '--at', at], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: --at only works with --dry-run/);
    const badToken = await runCli(['lifecycle', 'run'], { ...env, DISCORD_TOKEN: 'wrong-secret-token' });
    expect(badToken).toMatchObject({ code: 1, stderr: 'error: Discord rejected the bot token (401): check DISCORD_TOKEN\n' });
    for (const r of [refused, badToken]) expect(r.stdout + r.stderr).not.toMatch(/secret/);
  }, 180_000); // seven CLI processes: slow on a busy 2-core machine
});
