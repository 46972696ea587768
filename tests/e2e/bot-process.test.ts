import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { FakeDiscord } from '../fakes/discord';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, smallAccount } from '../fakes/plex/plex-data';
import { BOT_TOKEN, guildSpec, IDS } from '../support/bot-harness';
import { childEnv } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

/** `npm start` as it runs for a user: the built main.js in its own process, configured by the environment. */
describe.each(DATABASE_KINDS)('the bot process on %s', (kind) => {
  let discord: FakeDiscord;
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    discord = new FakeDiscord({ token: BOT_TOKEN, applicationId: IDS.app, botUser: { id: IDS.bot, username: 'streams-manager' }, guilds: [guildSpec()] });
    plex = new FakePlexTv(smallAccount());
    db = await createTestDatabase(kind);
    env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: db.url,
      PLEX_TV_URL: await plex.start(),
      PLEX_TOKEN: DEFAULT_TOKEN,
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_GUILD_ID: IDS.guild,
      DISCORD_API_URL: (await discord.start()).apiUrl,
      LOG_LEVEL: 'info',
    };
  });
  afterEach(async () => {
    await discord.stop();
    await plex.stop();
    await db.drop();
  });

  const run = (extraEnv: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [MAIN], { env: childEnv({ ...env, ...extraEnv }), cwd: path.dirname(MAIN), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, exited, output: () => output };
  };

  it('migrates, logs in, registers the commands, answers a command, and stops on SIGTERM', async () => {
    const bot = run();
    try {
      for (let i = 0; i < 150 && !discord.commandRegistrations.some((r) => r.status === 200); i++) await sleep(100);
      expect(discord.commandRegistrations.filter((r) => r.status === 200)).toHaveLength(1);
      const plans = await discord.chatInput({ guildId: IDS.guild, userId: IDS.admin, name: 'plan', options: [{ name: 'list', type: 1, options: [] }] }).response();
      expect(plans.data.embeds[0].description).toBe('No plans yet: /plan create.');
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
      // Logs are JSON on stderr and never carry a token.
      expect(bot.output()).toContain('"msg":"bot ready"');
      expect(bot.output()).not.toContain(BOT_TOKEN);
      expect(bot.output()).not.toContain(DEFAULT_TOKEN);
      expect(discord.takeViolations()).toEqual([]);
    } finally {
      bot.child.kill('SIGKILL');
    }
  });

  it('stops with one line when the token is wrong or missing', async () => {
    const wrong = run({ DISCORD_TOKEN: 'wrong-token.x.y' });
    expect(await wrong.exited).toBe(1);
    expect(wrong.output()).toBe('error: Discord rejected DISCORD_TOKEN: copy the bot token again from the developer portal (Bot > Reset Token)\n');
    const missing = run({ DISCORD_TOKEN: '' });
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toBe('error: DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in .env\n');
  });
});
