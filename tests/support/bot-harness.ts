import { COMMANDS } from '../../commands';
import { requireDiscord } from '../../src/config/config';
import { createLogger, type Logger } from '../../src/config/logger';
import { startBot, type RunningBot } from '../../src/discord/bot';
import { FakeDiscord, type InteractionHandle } from '../fakes/discord';
import { Perm } from '../fakes/discord/util';
import type { FakeGuildSpec } from '../fakes/discord/types';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, smallAccount, type FakePlexAccount } from '../fakes/plex/plex-data';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases';
import { startHarness, type Harness } from './harness';

export const IDS = {
  guild: '900000000000000001',
  app: '900000000000000002',
  bot: '900000000000000002',
  owner: '900000000000000010',
  admin: '900000000000000011',
  member: '900000000000000012',
  friend: '900000000000000013',
  adminRole: '900000000000000020',
  subscriberRole: '900000000000000021',
  botRole: '900000000000000022',
  channel: '900000000000000030',
} as const;

// Not starting with "bot": discord.js strips a leading "Bot" from tokens, case-insensitively.
export const BOT_TOKEN = 'test-token.discord.abc';

/** No Manage Server, no admin role: an ordinary member. */
export const MEMBER_PERMISSIONS = (Perm.ViewChannel | Perm.SendMessages).toString();

export function guildSpec(): FakeGuildSpec {
  return {
    id: IDS.guild,
    name: 'Plex Friends',
    ownerId: IDS.owner,
    channels: [{ id: IDS.channel, name: 'general' }],
    roles: [
      { id: IDS.guild, name: '@everyone', position: 0, permissions: (Perm.ViewChannel | Perm.SendMessages).toString() },
      { id: IDS.subscriberRole, name: 'Subscriber', position: 1, permissions: '0' },
      { id: IDS.adminRole, name: 'Plex Admins', position: 2, permissions: '0' },
      { id: IDS.botRole, name: 'Streams Manager', position: 3, permissions: (Perm.ManageRoles | Perm.ViewChannel | Perm.SendMessages | Perm.EmbedLinks).toString(), managed: true },
    ],
    members: [
      { user: { id: IDS.bot, username: 'streams-manager', bot: true }, roles: [IDS.botRole] },
      { user: { id: IDS.owner, username: 'owner' }, roles: [] },
      { user: { id: IDS.admin, username: 'plexadmin' }, roles: [IDS.adminRole] },
      { user: { id: IDS.member, username: 'obrien.discord' }, roles: [] },
      { user: { id: IDS.friend, username: 'zoe_d' }, roles: [], dmsClosed: true },
    ],
  };
}

export interface BotHarness extends Harness {
  discord: FakeDiscord;
  bot: RunningBot;
}

export interface BotHarnessOptions {
  account?: FakePlexAccount;
  /** Overrides of the bot's environment; DISCORD_TOKEN and DISCORD_GUILD_ID here are what the bot logs in with. */
  env?: Record<string, string>;
  guild?: FakeGuildSpec;
  /** The bot's logger (silent by default). */
  logger?: Logger;
  /** The app's logger, which the services log through (silent by default). */
  appLogger?: Logger;
  /** A fake Discord made by the test (not started yet), to look at it even when the bot fails to start. */
  discord?: FakeDiscord;
}

/** The fake Discord the bot talks to: the test application and bot user, in the given guild. */
export function createFakeDiscord(guild: FakeGuildSpec = guildSpec()): FakeDiscord {
  return new FakeDiscord({
    token: BOT_TOKEN,
    applicationId: IDS.app,
    botUser: { id: IDS.bot, username: 'streams-manager' },
    guilds: [guild],
  });
}

/** The real bot (discord.js Client) against the fake Discord and the fake plex.tv, on a fresh database. */
export async function startBotHarness(kind: DatabaseKind, options: BotHarnessOptions = {}): Promise<BotHarness> {
  const discord = options.discord ?? createFakeDiscord(options.guild ?? guildSpec());
  const { apiUrl } = await discord.start();
  const h = await startHarness(kind, options.account ?? smallAccount(), {
    DISCORD_TOKEN: BOT_TOKEN,
    DISCORD_GUILD_ID: IDS.guild,
    DISCORD_API_URL: apiUrl,
    DISCORD_ADMIN_ROLE_ID: IDS.adminRole,
    DISCORD_SUBSCRIBER_ROLE_ID: IDS.subscriberRole,
    ...options.env,
  }, { logger: options.appLogger });
  let bot: RunningBot;
  try {
    bot = await startBot(h.app, h.app.config, options.logger ?? createLogger('silent'), COMMANDS, requireDiscord(h.app.config));
  } catch (error) {
    await h.close();
    await discord.stop();
    throw error;
  }
  return {
    ...h,
    discord,
    bot,
    close: async () => {
      await bot.stop();
      await discord.stop();
      await h.close();
    },
  };
}

/**
 * Closes the harness after a test and answers the requests the fake Discord refused during it as the
 * real API would (a test expects none). They are taken before closing: the bot's own shutdown is not the test's.
 */
export async function closeBotHarness(h: BotHarness): Promise<string[]> {
  const violations = h.discord.takeViolations();
  await h.close();
  return violations;
}

/** What the built bot (`npm start`, see startBotProcess) runs against, and the environment that names it. */
export interface BotProcessSetup {
  discord: FakeDiscord;
  plex: FakePlexTv;
  db: TestDatabase;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The fake Discord and fake plex.tv started and a fresh database of `kind`, for a bot in its own process; `env` adds to or overrides its environment. */
export async function startBotProcessSetup(kind: DatabaseKind, env: Record<string, string> = {}): Promise<BotProcessSetup> {
  const discord = createFakeDiscord();
  const plex = new FakePlexTv(smallAccount());
  const db = await createTestDatabase(kind);
  return {
    discord,
    plex,
    db,
    env: {
      DATABASE_URL: db.url,
      PLEX_TV_URL: await plex.start(),
      PLEX_TOKEN: DEFAULT_TOKEN,
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_GUILD_ID: IDS.guild,
      DISCORD_API_URL: (await discord.start()).apiUrl,
      LOG_LEVEL: 'info',
      ...env,
    },
    stop: async () => {
      await discord.stop();
      await plex.stop();
      await db.drop();
    },
  };
}

/**
 * What the bot answered to a submitted form: it acknowledges first (a deferred, ephemeral reply)
 * and then edits that reply with the outcome. Shaped like a callback: `{ type, data }`.
 */
export async function formAnswer(submit: InteractionHandle, timeoutMs = 10_000): Promise<{ type: number; data: any }> {
  const ack = await submit.response();
  if (ack.type !== 5 || (ack.data?.flags & 64) !== 64) throw new Error(`a form is acknowledged by an ephemeral deferred reply, got type ${ack.type}`);
  await submit.waitFor((x) => x.final() !== undefined, timeoutMs);
  return { type: ack.type, data: submit.final() };
}
