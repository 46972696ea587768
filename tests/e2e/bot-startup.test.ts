/* eslint-disable @typescript-eslint/no-explicit-any */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REST, Routes } from 'discord.js';
import { COMMANDS } from '../../commands';
import { createLogger } from '../../src/config/logger';
import { BOT_PERMISSIONS, DiscordStartupError } from '../../src/discord/bot';
import type { FakeDiscord, FakeGuildSpec } from '../fakes/discord';
import { Perm } from '../fakes/discord/util';
import { BOT_TOKEN, closeBotHarness, createFakeDiscord, guildSpec, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { childEnv, type CliResult } from '../support/cli';
import { DATABASE_KINDS } from '../support/databases';

const NOT_A_GUILD = '900000000000000099';
const PERMANENT_ROLE = '900000000000000023';
const BOT_ROLE_WITHOUT_MANAGE_ROLES = (Perm.ViewChannel | Perm.SendMessages | Perm.EmbedLinks).toString();

/** guildSpec() with some of its roles changed. */
function guildWith(change: (roles: FakeGuildSpec['roles']) => FakeGuildSpec['roles']): FakeGuildSpec {
  const spec = guildSpec();
  return { ...spec, roles: change(spec.roles) };
}
const withRole = (id: string, patch: Partial<FakeGuildSpec['roles'][number]>) => (roles: FakeGuildSpec['roles']) =>
  roles.map((r) => (r.id === id ? { ...r, ...patch } : r));

describe.each(DATABASE_KINDS)('the bot on %s: startup checks', (kind) => {
  let h: BotHarness | undefined;
  let warnings: any[];
  const logger = () => createLogger('info', { write: (line: string) => void warnings.push(JSON.parse(line)) });
  beforeEach(() => {
    warnings = [];
  });
  afterEach(async () => {
    if (!h) return;
    const violations = await closeBotHarness(h);
    h = undefined;
    expect(violations).toEqual([]);
  });
  const logged = () => warnings.filter((l) => l.level === 40).map((l) => l.msg);
  /** The bot still serves despite the problems: commands registered, an admin command answered. */
  async function stillServes(b: BotHarness) {
    expect(b.discord.commands(IDS.guild)).toHaveLength(COMMANDS.length);
    const plans = await b.discord.chatInput({ guildId: IDS.guild, userId: IDS.admin, name: 'plan', options: [{ name: 'list', type: 1, options: [] }] }).response();
    expect(plans.data.embeds[0].title).toBe('Plans');
  }

  it('reports a bot without Manage Roles in one line, and still serves', async () => {
    h = await startBotHarness(kind, { guild: guildWith(withRole(IDS.botRole, { permissions: BOT_ROLE_WITHOUT_MANAGE_ROLES })), logger: logger() });
    const problem = 'The bot lacks the Manage Roles permission on Plex Friends: it cannot give or take the subscriber role (Server Settings > Roles).';
    expect(h.bot.problems).toEqual([problem]);
    expect(logged()).toEqual([problem]);
    await stillServes(h);
  });

  it("reports the subscriber and permanent roles above the bot's highest role, one line each", async () => {
    const guild = guildWith((roles) => [
      ...withRole(IDS.subscriberRole, { position: 4 })(roles),
      { id: PERMANENT_ROLE, name: 'Lifetime', position: 5, permissions: '0' },
    ]);
    h = await startBotHarness(kind, { guild, env: { DISCORD_PERMANENT_ROLE_ID: PERMANENT_ROLE }, logger: logger() });
    expect(h.bot.problems).toEqual([
      'The bot\'s highest role (Streams Manager) must be above "Subscriber" (DISCORD_SUBSCRIBER_ROLE_ID) to give it: drag it higher in Server Settings > Roles.',
      'The bot\'s highest role (Streams Manager) must be above "Lifetime" (DISCORD_PERMANENT_ROLE_ID) to give it: drag it higher in Server Settings > Roles.',
    ]);
    expect(logged()).toEqual(h.bot.problems);
    await stillServes(h);
  });

  it('reports a DISCORD_SUBSCRIBER_ROLE_ID that is not a role of the guild', async () => {
    // A channel's ID: a well-formed snowflake, but no role.
    h = await startBotHarness(kind, { env: { DISCORD_SUBSCRIBER_ROLE_ID: IDS.channel }, logger: logger() });
    expect(h.bot.problems).toEqual([`DISCORD_SUBSCRIBER_ROLE_ID=${IDS.channel} is not a role of Plex Friends.`]);
    await stillServes(h);
  });

  it('lists every problem at once, in a stable order', async () => {
    const guild = guildWith((roles) => [...withRole(IDS.botRole, { permissions: BOT_ROLE_WITHOUT_MANAGE_ROLES })(roles), { id: PERMANENT_ROLE, name: 'Lifetime', position: 5, permissions: '0' }]);
    h = await startBotHarness(kind, { guild, env: { DISCORD_SUBSCRIBER_ROLE_ID: NOT_A_GUILD, DISCORD_PERMANENT_ROLE_ID: PERMANENT_ROLE } });
    expect(h.bot.problems).toEqual([
      'The bot lacks the Manage Roles permission on Plex Friends: it cannot give or take the subscriber role (Server Settings > Roles).',
      `DISCORD_SUBSCRIBER_ROLE_ID=${NOT_A_GUILD} is not a role of Plex Friends.`,
      'The bot\'s highest role (Streams Manager) must be above "Lifetime" (DISCORD_PERMANENT_ROLE_ID) to give it: drag it higher in Server Settings > Roles.',
    ]);
  });

  /** startBotHarness's failure, with the fake Discord it ran against (stopped). */
  async function failedStart(env: Record<string, string>): Promise<{ error: unknown; discord: FakeDiscord }> {
    const discord = createFakeDiscord();
    const error = await startBotHarness(kind, { env, discord }).then(
      (b) => {
        h = b;
        return undefined;
      },
      (e: unknown) => e,
    );
    return { error, discord };
  }

  it('refuses to start in a guild the bot is not in, with the invite link', async () => {
    const { error, discord } = await failedStart({ DISCORD_GUILD_ID: NOT_A_GUILD });
    expect(error).toBeInstanceOf(DiscordStartupError);
    expect((error as Error).message).toBe(
      `The bot is not in the Discord server DISCORD_GUILD_ID=${NOT_A_GUILD}: invite it with ` +
        `https://discord.com/oauth2/authorize?client_id=${IDS.app}&scope=bot%20applications.commands&permissions=${BOT_PERMISSIONS.bitfield}`,
    );
    expect(BOT_PERMISSIONS.bitfield).toBe(BigInt(Perm.ManageRoles | Perm.ViewChannel | Perm.SendMessages | Perm.EmbedLinks));
    // Nothing registered anywhere.
    expect(discord.commandRegistrations).toEqual([]);
    expect(discord.takeViolations()).toEqual([]);
  });

  it('refuses a wrong token with one clear line', async () => {
    const { error, discord } = await failedStart({ DISCORD_TOKEN: 'wrong-token.discord.xyz' });
    expect(error).toBeInstanceOf(DiscordStartupError);
    expect((error as Error).message).toBe('Discord rejected DISCORD_TOKEN: copy the bot token again from the developer portal (Bot > Reset Token)');
    // The fake counts a wrong Authorization as a violation: the bot must stop at the first refusal.
    const refused = discord.takeViolations();
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/ → 401 /);
    expect(discord.gatewayIdentifies).toHaveLength(0);
  });
});

const DIST = path.resolve(__dirname, '../../dist/src');

/** A built script of the package, as its own process with only the given environment (as tests/support/cli.ts runs the CLI). */
function runScript(script: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  const file = path.join(DIST, script);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run build" (npm test does it first)`);
  const child = spawn(process.execPath, [file, ...args], { env: childEnv(env), cwd: DIST, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('npm run deploy-commands (node dist/src/deploy-commands.js)', () => {
  let discord: FakeDiscord;
  let env: Record<string, string>;
  const bodies = JSON.parse(JSON.stringify(COMMANDS.map((c) => c.data)));
  beforeEach(async () => {
    discord = createFakeDiscord();
    const { apiUrl } = await discord.start();
    env = { DISCORD_TOKEN: BOT_TOKEN, DISCORD_GUILD_ID: IDS.guild, DISCORD_API_URL: apiUrl };
  });
  afterEach(async () => {
    const violations = discord.takeViolations();
    await discord.stop();
    expect(violations).toEqual([]);
  });

  it('registers the commands on the guild, the same list the bot registers, and again idempotently', async () => {
    const result = await runScript('deploy-commands.js', [], env);
    expect(result).toEqual({ code: 0, signal: null, stdout: `registered ${COMMANDS.length} commands on server ${IDS.guild}\n`, stderr: '' });
    expect(discord.commandRegistrations).toEqual([{ scope: 'guild', guildId: IDS.guild, method: 'PUT', commands: bodies, status: 200 }]);
    expect(discord.commands(IDS.guild).map((c) => c.name).sort()).toEqual(COMMANDS.map((c) => c.data.name).sort());
    expect(discord.commands()).toEqual([]);

    expect((await runScript('deploy-commands.js', [], env)).code).toBe(0);
    expect(discord.commands(IDS.guild)).toHaveLength(COMMANDS.length);
    expect(discord.restLog.filter((r) => r.path === '/applications/@me').map((r) => r.status)).toEqual([200, 200]);
  });

  it('refuses --global: the bot serves one server, so commands in every other could only be refused', async () => {
    const result = await runScript('deploy-commands.js', ['--global'], env);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^error: --global is no longer supported: the bot serves only the server DISCORD_GUILD_ID and refuses every other/);
    expect(discord.commandRegistrations).toEqual([]);
    expect(discord.restLog).toEqual([]);
  });

  it("deletes the global copies of its commands an older version's --global left, and no other global command", async () => {
    const rest = new REST({ api: env.DISCORD_API_URL }).setToken(BOT_TOKEN);
    const someoneElses = { name: 'ping', description: 'Not one of ours', type: 1 };
    await rest.put(Routes.applicationCommands(IDS.app), { body: [...bodies, someoneElses] });
    discord.commandRegistrations.length = 0;

    const result = await runScript('deploy-commands.js', [], env);
    expect(result).toEqual({
      code: 0,
      signal: null,
      stdout: `registered ${COMMANDS.length} commands on server ${IDS.guild}\ndeleted ${COMMANDS.length} global commands an older version registered with --global\n`,
      stderr: '',
    });
    expect(discord.commands().map((c) => c.name)).toEqual(['ping']);
    expect(discord.commands(IDS.guild)).toHaveLength(COMMANDS.length);
    expect(discord.commandRegistrations.filter((r) => r.scope === 'global').map((r) => r.method)).toEqual(COMMANDS.map(() => 'DELETE'));

    // Nothing is left to delete the next time.
    expect((await runScript('deploy-commands.js', [], env)).stdout).toBe(`registered ${COMMANDS.length} commands on server ${IDS.guild}\n`);
  });

  it('says in one line what is missing or wrong', async () => {
    const [noToken, noGuild, wrongToken] = await Promise.all([
      runScript('deploy-commands.js', [], { DISCORD_GUILD_ID: IDS.guild, DISCORD_API_URL: env.DISCORD_API_URL! }),
      runScript('deploy-commands.js', [], { DISCORD_TOKEN: BOT_TOKEN, DISCORD_API_URL: env.DISCORD_API_URL! }),
      runScript('deploy-commands.js', [], { ...env, DISCORD_TOKEN: 'wrong-token.discord.xyz' }),
    ]);
    expect(noToken).toMatchObject({ code: 1, stdout: '', stderr: 'error: DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in .env\n' });
    expect(noGuild).toMatchObject({ code: 1, stdout: '', stderr: 'error: DISCORD_GUILD_ID is not set: put the ID of your Discord server in .env\n' });
    expect(wrongToken).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: Discord rejected DISCORD_TOKEN: copy the bot token again from the developer portal (Bot > Reset Token)\n',
    });
    expect(discord.commandRegistrations).toEqual([]);
    // The wrong token's 401 is the fake's only complaint.
    const violations = discord.takeViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(/^GET \/applications\/@me → 401/);
  });
});
