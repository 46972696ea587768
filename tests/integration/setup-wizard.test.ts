import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { FakeDiscord, type FakeGuildSpec } from '../fakes/discord';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, SMALL_IDS, smallAccount } from '../fakes/plex/plex-data';
import { CLI, runCli } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';
import { TmuxTerminal } from '../support/tmux';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { BOT_PERMISSIONS } from '../../src/discord/invite-link';

const DISCORD_TOKEN = 'MTEx.setup-wizard.bot-token-secret';
const APP_ID = '111111111111111111';
const GUILD_ID = '222222222222222222';
const OTHER_GUILD_ID = '222222222222222299';
const OWNER_ID = '333333333333333333';
const ROLE = { subscribers: '444444444444444401', permanent: '444444444444444402', admins: '444444444444444403', bot: '444444444444444409' };
const CHANNEL = { general: '555555555555555501', admin: '555555555555555502' };

/** The owner's Discord server; `botBelow`: the bot's own role sits under the subscriber role. */
function guildSpec(options: { botBelow?: boolean } = {}): FakeGuildSpec {
  const roles = [
    { id: ROLE.subscribers, name: 'Subscribers', position: 2, permissions: '0' },
    { id: ROLE.permanent, name: 'Lifetime', position: 3, permissions: '0' },
    { id: ROLE.admins, name: 'Moderators', position: 4, permissions: '0' },
  ];
  const members = [{ user: { id: OWNER_ID, username: 'owner' }, roles: [] as string[] }];
  if (options.botBelow) {
    roles.push({ id: ROLE.bot, name: 'StreamsBot', position: 1, permissions: String(BOT_PERMISSIONS.bitfield), managed: true } as (typeof roles)[number]);
    members.push({ user: { id: APP_ID, username: 'StreamsBot' }, roles: [ROLE.bot] });
  }
  return {
    id: GUILD_ID,
    name: 'Streams Club',
    ownerId: OWNER_ID,
    roles,
    members,
    channels: [
      { id: CHANNEL.general, name: 'general' },
      { id: CHANNEL.admin, name: 'staff-alerts' },
    ],
  };
}

const EXISTING_ENV = [
  '# my streams-manager settings',
  'MY_NOTE="keep this # and this"',
  '',
  '# the bot token goes here',
  'DISCORD_TOKEN=',
  'export REMINDER_DAYS=5,2 # fewer reminders',
  'some line the owner wrote',
  '',
].join('\n');

describe.each(DATABASE_KINDS)('streams-manager setup on %s', (kind) => {
  let plex: FakePlexTv;
  let discord: FakeDiscord;
  let db: TestDatabase;
  let dir: string;
  let envPath: string;
  let env: Record<string, string>;
  let terminal: TmuxTerminal | undefined;

  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    discord = new FakeDiscord({ token: DISCORD_TOKEN, applicationId: APP_ID, botUser: { id: APP_ID, username: 'StreamsBot' }, guilds: [] });
    db = await createTestDatabase(kind);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smb-setup-'));
    envPath = path.join(dir, '.env');
    env = {
      DATABASE_URL: db.url,
      PLEX_TV_URL: await plex.start(),
      PLEX_PIN_POLL_MS: '50',
      PLEX_RETRIES: '1',
      PLEX_RETRY_DELAY_MS: '5',
      DISCORD_API_URL: (await discord.start()).apiUrl,
      LOG_LEVEL: 'silent',
    };
  });

  afterEach(async () => {
    terminal?.kill();
    terminal = undefined;
    await plex.stop();
    await discord.stop();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const startWizard = (): TmuxTerminal => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
    terminal = new TmuxTerminal([process.execPath, CLI, 'setup', '--env-path', envPath], env, dir);
    return terminal;
  };

  const readDatabase = async () => {
    const app = await createApp(loadConfig({ DATABASE_URL: db.url }), { logger: createLogger('silent') });
    try {
      return { servers: await app.catalog.listServers(), plans: await app.catalog.listPlans() };
    } finally {
      await app.close();
    }
  };

  const written = () => dotenv.parse(fs.readFileSync(envPath, 'utf8'));

  it('walks a first run: Plex code, servers, bot token (a wrong one asked again), invite, roles and channel by name, plan; writes .env and the database', async () => {
    fs.writeFileSync(envPath, EXISTING_ENV);
    const t = startWizard();

    // Plex: a 4-character code for plex.tv/link, and a sign-in URL; the owner signs in with the code.
    const [, code] = await t.waitFor(/enter the code (\w{4})\b/);
    await t.waitFor('or open http');
    await t.waitFor('Waiting for the sign-in');
    const pin = plex.pins.find((p) => p.code === code)!;
    expect(pin.clientIdentifier).toMatch(/^streams-manager-[0-9a-f-]{36}$/);
    plex.signInOwner(code!);
    await t.waitFor('Signed in to plex.tv as owner: 2 server(s) of your own');

    // Each owned server: import new users as…
    await t.waitFor('Import new users of "Living Room" as');
    await t.choose('permanent');
    await t.waitFor(`Import new users of "Cabin & Co's" as`);
    await t.choose('standard');

    // Discord: a wrong token is refused with a clear message and asked again.
    await t.waitFor('? Bot token');
    t.type('not-the-token');
    t.keys('Enter');
    await t.waitFor(/Discord rejected the bot token \(401\): copy it again[^\n]*\n\? Bot token/);
    t.type(DISCORD_TOKEN);
    t.keys('Enter');
    await t.waitFor('Bot: StreamsBot (application 111111111111111111)');
    await t.waitFor(`https://discord.com/oauth2/authorize?client_id=${APP_ID}&scope=bot%20applications.commands&permissions=${BOT_PERMISSIONS.bitfield}`);

    // The bot is in no server yet: the wizard waits until the owner used the invite link.
    await t.waitFor('Waiting for it to join');
    discord.addGuild(guildSpec());
    await t.waitFor('The bot is in Streams Club.', { timeoutMs: 10_000 });

    await t.waitFor('Subscriber role');
    await t.choose('Subscribers');
    await t.waitFor('Permanent role');
    await t.choose('Lifetime');
    await t.waitFor('Admin role');
    await t.choose('(none)');
    await t.waitFor('Admin channel');
    await t.choose('#staff-alerts');

    await t.waitFor('Create the first plan now?');
    t.keys('Enter');
    await t.waitFor('Plan name');
    t.keys('Enter'); // Monthly
    await t.waitFor('Duration');
    t.keys('Enter'); // 1m
    await t.waitFor('Price');
    t.type('12.5');
    t.keys('Enter');
    await t.waitFor('Currency');
    t.keys('Enter'); // USD
    await t.waitFor('Save these settings?');
    t.keys('Enter');
    await t.waitFor('ready: npm start');
    await t.waitFor('[exited 0]');

    const pane = t.history();
    expect(pane).not.toContain(DISCORD_TOKEN);
    expect(pane).not.toContain(DEFAULT_TOKEN);
    expect(pane).not.toContain('not-the-token');
    expect(pane).toMatch(/ok {2}Discord: subscriber role Subscribers/);

    // .env: the answers, with the owner's comments, lines and order kept.
    const text = fs.readFileSync(envPath, 'utf8');
    expect(text.startsWith('# my streams-manager settings\nMY_NOTE="keep this # and this"\n\n# the bot token goes here\nDISCORD_TOKEN=')).toBe(true);
    expect(text).toContain('export REMINDER_DAYS=5,2 # fewer reminders\nsome line the owner wrote\n');
    expect(written()).toMatchObject({
      MY_NOTE: 'keep this # and this',
      REMINDER_DAYS: '5,2',
      PLEX_TOKEN: DEFAULT_TOKEN,
      PLEX_CLIENT_IDENTIFIER: pin.clientIdentifier,
      DISCORD_TOKEN,
      DISCORD_GUILD_ID: GUILD_ID,
      DISCORD_SUBSCRIBER_ROLE_ID: ROLE.subscribers,
      DISCORD_PERMANENT_ROLE_ID: ROLE.permanent,
      DISCORD_ADMIN_ROLE_ID: '',
      DISCORD_ADMIN_CHANNEL_ID: CHANNEL.admin,
    });
    expect(fs.statSync(envPath).mode & 0o777).toBe(0o600);

    // The database: each server's import class, and the first plan (the default).
    const { servers, plans } = await readDatabase();
    expect(servers.map((s) => [s.machineIdentifier, s.importAs]).sort()).toEqual(
      [
        [SMALL_IDS.livingRoom, 'permanent'],
        [SMALL_IDS.cabin, 'standard'],
      ].sort(),
    );
    expect(plans).toEqual([expect.objectContaining({ name: 'Monthly', duration: '1 month', price: '12.50', currency: 'USD', default: true })]);
  });

  it('a second run offers the current values, keeps the Plex sign-in, and warns when the bot role is below the subscriber role', async () => {
    discord.addGuild(guildSpec({ botBelow: true }));
    discord.addGuild({ id: OTHER_GUILD_ID, name: 'Other Place', ownerId: OWNER_ID, roles: [], members: [], channels: [{ id: '555555555555555599', name: 'lobby' }] });
    // The first run, without questions (its own tests are below).
    fs.writeFileSync(envPath, EXISTING_ENV);
    const first = await runCli(
      ['setup', '--non-interactive', '--env-path', envPath, '--guild', 'Streams Club', '--subscriber-role', 'Subscribers', '--admin-role', 'Moderators', '--admin-channel', '#staff-alerts', '--import-as', 'permanent', '--plan-name', 'Monthly', '--plan-duration', '1m', '--plan-price', '10'],
      { ...env, PLEX_TOKEN: DEFAULT_TOKEN, DISCORD_TOKEN },
    );
    expect(first.stdout).toContain('warning: The bot\'s role "StreamsBot" is below "Subscribers"');
    const before = written();
    const pinsBefore = plex.pins.length;
    // Meanwhile the owner turned the Server Members Intent off: the bot could not log in.
    discord.serverMembersIntent = false;

    const t = startWizard();
    await t.waitFor('Keep the current Plex sign-in (owner)? (Y/n)');
    t.keys('Enter');
    await t.waitFor('Import new users of "Living Room" as');
    expect(t.pointerLine()).toContain('permanent'); // from the database
    t.keys('Enter');
    await t.waitFor(`Import new users of "Cabin & Co's" as`);
    expect(t.pointerLine()).toContain('permanent');
    t.keys('Enter');
    await t.waitFor('Bot token (Enter keeps the current one)');
    t.keys('Enter');
    await t.waitFor('warning: the Server Members Intent is off: turn it on (Developer Portal > your application > Bot > Privileged Gateway Intents)');
    await t.waitFor('The bot is in several servers');
    expect(t.pointerLine()).toContain('Streams Club');
    t.keys('Enter');
    await t.waitFor('Subscriber role');
    expect(t.pointerLine()).toContain('Subscribers');
    t.keys('Enter');
    await t.waitFor('Permanent role');
    expect(t.pointerLine()).toContain('(none)');
    t.keys('Enter');
    await t.waitFor('Admin role');
    expect(t.pointerLine()).toContain('Moderators');
    t.keys('Enter');
    await t.waitFor('Admin channel');
    expect(t.pointerLine()).toContain('#staff-alerts');
    t.keys('Enter');
    await t.waitFor('warning: The bot\'s role "StreamsBot" is below "Subscribers"');
    await t.waitFor('Plans: Monthly (1 month, 10.00 USD, default)');
    await t.waitFor('Create another plan? (y/N)');
    t.keys('Enter');
    await t.waitFor('Save these settings?');
    t.keys('Enter');
    await t.waitFor(/\[exited \d+\]/);

    // Nothing asked was changed: the same values, no new Plex sign-in.
    expect(written()).toEqual(before);
    expect(plex.pins.length).toBe(pinsBefore);
    expect(t.history()).toContain('PROBLEM  Discord: The bot\'s role "StreamsBot" is below "Subscribers"');
    expect(t.history()).not.toContain(DISCORD_TOKEN);
  });

  it('Ctrl-C at a question stops and writes nothing', async () => {
    fs.writeFileSync(envPath, EXISTING_ENV);
    const t = startWizard();
    const [, code] = await t.waitFor(/enter the code (\w{4})\b/);
    plex.signInOwner(code!);
    await t.waitFor('Import new users of "Living Room" as');
    t.keys('C-c');
    await t.waitFor('setup stopped: nothing was written');
    await t.waitFor('[exited 130]');
    expect(fs.readFileSync(envPath, 'utf8')).toBe(EXISTING_ENV);
    expect((await readDatabase()).plans).toEqual([]);
  });

  it('Ctrl-C while it waits for the Plex sign-in stops too', async () => {
    const t = startWizard();
    await t.waitFor('Waiting for the sign-in');
    t.keys('C-c');
    await t.waitFor('setup stopped: nothing was written');
    await t.waitFor('[exited 130]');
    expect(fs.existsSync(envPath)).toBe(false);
  });

  describe('--non-interactive', () => {
    it('takes every answer from flags and variables (names or IDs) and writes .env and the database', async () => {
      discord.addGuild(guildSpec());
      fs.writeFileSync(envPath, EXISTING_ENV);
      const result = await runCli(
        [
          'setup',
          '--non-interactive',
          '--env-path',
          envPath,
          '--guild',
          GUILD_ID,
          '--subscriber-role',
          'subscribers',
          '--permanent-role',
          ROLE.permanent,
          '--admin-channel',
          '#staff-alerts',
          '--import-as',
          'permanent',
          '--plan-name',
          'Yearly',
          '--plan-duration',
          '12m',
          '--plan-price',
          '100',
          '--plan-currency',
          'eur',
        ],
        { ...env, PLEX_TOKEN: DEFAULT_TOKEN, DISCORD_TOKEN },
      );
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain('ready: npm start');
      expect(result.stdout).toContain('PLEX_TOKEN=(hidden)');
      expect(result.stdout + result.stderr).not.toContain(DISCORD_TOKEN);
      expect(result.stdout + result.stderr).not.toContain(DEFAULT_TOKEN);
      expect(written()).toMatchObject({
        MY_NOTE: 'keep this # and this',
        PLEX_TOKEN: DEFAULT_TOKEN,
        DISCORD_TOKEN,
        DISCORD_GUILD_ID: GUILD_ID,
        DISCORD_SUBSCRIBER_ROLE_ID: ROLE.subscribers,
        DISCORD_PERMANENT_ROLE_ID: ROLE.permanent,
        DISCORD_ADMIN_ROLE_ID: '',
        DISCORD_ADMIN_CHANNEL_ID: CHANNEL.admin,
      });
      expect(written().PLEX_CLIENT_IDENTIFIER).toMatch(/^streams-manager-/);
      const { servers, plans } = await readDatabase();
      expect(servers.map((s) => s.importAs)).toEqual(['permanent', 'permanent']);
      expect(plans).toEqual([expect.objectContaining({ name: 'Yearly', duration: '12 months', price: '100.00', currency: 'EUR', default: true })]);
    });

    it('names every missing value, exits 2 and writes nothing', async () => {
      fs.writeFileSync(envPath, EXISTING_ENV);
      const result = await runCli(['setup', '--non-interactive', '--env-path', envPath, '--plan-name', 'Monthly'], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--plex-token (or PLEX_TOKEN)');
      expect(result.stderr).toContain('--discord-token (or DISCORD_TOKEN)');
      expect(result.stderr).toContain('--guild (or DISCORD_GUILD_ID)');
      expect(result.stderr).toContain('--subscriber-role (or DISCORD_SUBSCRIBER_ROLE_ID)');
      expect(result.stderr).toContain('--plan-duration');
      expect(result.stderr).toContain('--plan-price');
      expect(result.stderr).not.toContain('--plan-name,');
      expect(fs.readFileSync(envPath, 'utf8')).toBe(EXISTING_ENV);
      expect(plex.requests).toEqual([]);
      expect(discord.restLog).toEqual([]);
    });

    it('refuses a bad token with a clear error and writes nothing', async () => {
      discord.addGuild(guildSpec());
      fs.writeFileSync(envPath, EXISTING_ENV);
      const args = ['setup', '--non-interactive', '--env-path', envPath, '--guild', 'Streams Club', '--subscriber-role', 'Subscribers'];
      const badDiscord = await runCli(args, { ...env, PLEX_TOKEN: DEFAULT_TOKEN, DISCORD_TOKEN: 'wrong-bot-token' });
      expect(badDiscord.code).toBe(1);
      expect(badDiscord.stderr).toContain('Discord rejected the bot token (401)');
      expect(badDiscord.stderr).not.toContain('wrong-bot-token');
      const badPlex = await runCli(args, { ...env, PLEX_TOKEN: 'wrong-plex-token', DISCORD_TOKEN });
      expect(badPlex.code).toBe(1);
      expect(badPlex.stderr).toContain('Plex rejected the token (401)');
      expect(badPlex.stderr).not.toContain('wrong-plex-token');
      const badRole = await runCli([...args.slice(0, -1), 'Gold'], { ...env, PLEX_TOKEN: DEFAULT_TOKEN, DISCORD_TOKEN });
      expect(badRole.code).toBe(1);
      expect(badRole.stderr).toContain('Streams Club has no role named or with the ID "Gold" (there: Moderators, Lifetime, Subscribers)');
      expect(fs.readFileSync(envPath, 'utf8')).toBe(EXISTING_ENV);
      expect((await readDatabase()).plans).toEqual([]);
    });
  });
});
