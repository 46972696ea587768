import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_TOKEN } from '../fakes/plex/plex-data';
import { BOT_TOKEN, IDS, startBotProcessSetup, type BotProcessSetup } from '../support/bot-harness';
import { startBotProcess } from '../support/cli';
import { DATABASE_KINDS } from '../support/databases';

/** `npm start` as it runs for a user: the built main.js in its own process, configured by the environment. */
describe.each(DATABASE_KINDS)('the bot process on %s', (kind) => {
  let setup: BotProcessSetup;
  beforeEach(async () => {
    setup = await startBotProcessSetup(kind);
  });
  afterEach(() => setup.stop());

  const run = (extraEnv: Record<string, string> = {}) => startBotProcess({ ...setup.env, ...extraEnv });

  it('migrates, logs in, registers the commands, answers a command, and stops on SIGTERM', async () => {
    const bot = run();
    try {
      for (let i = 0; i < 150 && !setup.discord.commandRegistrations.some((r) => r.status === 200); i++) await sleep(100);
      expect(setup.discord.commandRegistrations.filter((r) => r.status === 200)).toHaveLength(1);
      const plans = await setup.discord.chatInput({ guildId: IDS.guild, userId: IDS.admin, name: 'plan', options: [{ name: 'list', type: 1, options: [] }] }).response();
      expect(plans.data.embeds[0].description).toBe('No plans yet: /plan create.');
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
      // Logs are JSON on stderr and never carry a token.
      expect(bot.output()).toContain('"msg":"bot ready"');
      expect(bot.output()).not.toContain(BOT_TOKEN);
      expect(bot.output()).not.toContain(DEFAULT_TOKEN);
      expect(setup.discord.takeViolations()).toEqual([]);
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
