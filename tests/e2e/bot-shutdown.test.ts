import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { openDatabase } from '../../src/database/data-source';
import { FakeDiscord } from '../fakes/discord';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, SMALL_USERS as U, smallAccount } from '../fakes/plex/plex-data';
import { startBotProcess } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';
import { APP_ID, DAY, DISCORD_TOKEN, discordIdOf, GUILD_ID, guildSpec, OWNER_ID, ROLE_SUB } from '../support/lifecycle';

/** SIGTERM while the daily job is sending a DM: the bot takes no new work, lets the job finish, then exits. */
describe.each(DATABASE_KINDS)('the bot stopping on SIGTERM on %s', (kind) => {
  let discord: FakeDiscord;
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    discord = new FakeDiscord({ token: DISCORD_TOKEN, applicationId: APP_ID, botUser: { id: APP_ID, username: 'StreamsBot' }, guilds: [guildSpec([{ plexId: U.obrien }])] });
    plex = new FakePlexTv(smallAccount());
    db = await createTestDatabase(kind);
    env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: db.url,
      PLEX_TV_URL: await plex.start(),
      PLEX_TOKEN: DEFAULT_TOKEN,
      DISCORD_TOKEN,
      DISCORD_GUILD_ID: GUILD_ID,
      DISCORD_API_URL: (await discord.start()).apiUrl,
      DISCORD_SUBSCRIBER_ROLE_ID: ROLE_SUB,
      // The daily run every second (it never overlaps itself); the roles run never in this test.
      LIFECYCLE_DAILY_CRON: '* * * * * *',
      LIFECYCLE_ROLES_CRON: '0 0 1 1 *',
      LOG_LEVEL: 'info',
    };
    // The bot runs on the real clock: O'Brien's payment ends in two days, so the daily run reminds him.
    const app = await createApp(loadConfig(env), { logger: createLogger('silent') });
    await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', makeDefault: true });
    await app.usersSync().run();
    await app.close();
    const dataSource = await openDatabase(db.url);
    const inTwoDays = new Date(Date.now() + 2 * DAY);
    await dataSource.query('UPDATE payments SET ends_at = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', [
      kind === 'sqlite' ? inTwoDays.toISOString().replace('T', ' ').slice(0, 23) : inTwoDays,
      U.obrien,
    ]);
    await dataSource.query('UPDATE users SET discord_id = ? WHERE plex_id = ?', [discordIdOf(U.obrien), U.obrien]);
    await dataSource.destroy();
  });
  afterEach(async () => {
    await discord.stop();
    await plex.stop();
    await db.drop();
  });

  it('finishes the running job (the DM goes out once), answers new commands "restarting", then exits 0', async () => {
    // Discord makes the reminder wait 3 s (a 429): the job is mid-send when the signal comes.
    discord.rateLimit({ method: 'POST', path: /^\/channels\/\d+\/messages$/, retryAfterSeconds: 3 });
    const { child, exited, output } = startBotProcess(env);
    try {
      const limited = () => discord.restLog.some((e) => e.status === 429);
      for (let i = 0; i < 300 && !limited(); i++) await sleep(50);
      expect(limited()).toBe(true);
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !output().includes('"msg":"stopping"'); i++) await sleep(20);

      const refused = await discord.chatInput({ guildId: GUILD_ID, userId: OWNER_ID, name: 'plan', options: [{ name: 'list', type: 1, options: [] }] }).response();
      expect(refused.data).toMatchObject({ content: 'The bot is restarting: try again in a minute.', flags: 64 });

      expect(await exited).toBe(0);
      expect(discord.dms.filter((d) => d.userId === discordIdOf(U.obrien))).toHaveLength(1);
      expect(output()).toContain('scheduler: waiting for the running jobs to finish');
      expect(output()).toContain('"msg":"stopped"');
      // No run started after the signal: one daily run, one DM.
      expect(output().match(/"job":"lifecycle-daily"[^\n]*"msg":"scheduler: job done"/g)).toHaveLength(1);
      expect(output()).not.toContain(DISCORD_TOKEN);
      expect(discord.takeViolations()).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
