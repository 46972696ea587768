import type { PlexPinApi } from '../../../src/plex/plex-pin.client';
import type { DiscordGuildDetails, DiscordSetupPort } from '../../../src/services/discord-setup-port';
import { SetupMissingValuesError, SetupService, SetupValueError, type SetupServiceDeps } from '../../../src/services/setup.service';

const GUILD = '900000000000000001';
const details = (botPosition: number | null): DiscordGuildDetails => ({
  id: GUILD,
  name: 'Club',
  roles: [
    { id: '900000000000000009', name: 'Bot', position: botPosition ?? 0, managed: true },
    { id: '900000000000000003', name: 'VIP', position: 3, managed: false },
    { id: '900000000000000002', name: 'VIP', position: 2, managed: false },
    { id: '900000000000000005', name: 'Gold', position: 1, managed: false },
    { id: '900000000000000006', name: 'GOLD', position: 1, managed: false },
    { id: '900000000000000004', name: 'Subscribers', position: 1, managed: false },
    { id: GUILD, name: '@everyone', position: 0, managed: false },
  ].sort((a, b) => b.position - a.position),
  textChannels: [{ id: '900000000000000010', name: 'general' }],
  botTopRole: botPosition === null ? null : { id: '900000000000000009', name: 'Bot', position: botPosition, managed: true },
});

const unused = (what: string) => () => {
  throw new Error(`${what} must not be called`);
};

function service(overrides: Partial<SetupServiceDeps> = {}, env: Record<string, string> = {}): SetupService {
  const discord: DiscordSetupPort = {
    identify: async () => ({ botUserId: '1', botName: 'Bot', applicationId: '2', serverMembersIntent: true }),
    guilds: async () => [{ id: GUILD, name: 'Club' }],
    guildDetails: async () => details(5),
    inviteLink: (id) => `invite:${id}`,
  };
  return new SetupService({
    env,
    envPath: '/nonexistent/.env',
    templateText: null,
    plexPins: unused('plexPins'),
    plexServers: () => ({ getOwnedServers: async () => [] }),
    discord: () => discord,
    catalog: unused('catalog'),
    pinPollMs: 1,
    guildPollMs: 1,
    sleep: async () => undefined,
    ...overrides,
  });
}

describe('SetupService', () => {
  it('keeps a configured client identifier, and replaces the shared default with one of this install (stable within the run)', () => {
    expect(service({}, { PLEX_CLIENT_IDENTIFIER: 'mine' }).clientIdentifier()).toBe('mine');
    const fresh = service({}, { PLEX_CLIENT_IDENTIFIER: 'streams-manager-bot' });
    expect(fresh.clientIdentifier()).toMatch(/^streams-manager-[0-9a-f-]{36}$/);
    expect(fresh.clientIdentifier()).toBe(fresh.clientIdentifier());
    expect(service().clientIdentifier()).not.toBe(fresh.clientIdentifier());
  });

  it('warns for each role at or above the bot\'s top role, and when the bot has no role', () => {
    const s = service();
    expect(s.roleWarnings(details(5), ['900000000000000004', '900000000000000003'])).toEqual([]);
    expect(s.roleWarnings(details(2), ['900000000000000004', '900000000000000003', null])).toEqual([
      expect.stringContaining('The bot\'s role "Bot" is below "VIP"'),
    ]);
    expect(s.roleWarnings(details(null), ['900000000000000004'])).toEqual([expect.stringContaining('is below "Subscribers"')]);
  });

  it('offers only roles a bot can give (no @everyone, no managed role)', () => {
    expect(service().assignableRoles(details(5)).map((r) => r.name)).toEqual(['VIP', 'VIP', 'Gold', 'GOLD', 'Subscribers']);
  });

  it('polls both PINs until one carries a token, and says expired when plex.tv forgot both', async () => {
    let polls = 0;
    const pins: PlexPinApi = {
      createPin: async () => ({ id: 1, code: 'ABCD', expiresIn: 900 }),
      checkPin: async (id) => (id === 2 && ++polls >= 3 ? { authToken: 'owner-token' } : { authToken: null }),
      whoIs: unused('whoIs'),
    };
    const s = service({ plexPins: () => pins });
    const signIn = { code: 'ABCD', linkUrl: '', signInUrl: '', expiresAt: new Date(Date.now() + 60_000), pins: [{ id: 1, code: 'ABCD', expiresIn: 900 }, { id: 2, code: 'long', expiresIn: 1800 }] };
    expect(await s.waitForPlexToken(signIn)).toBe('owner-token');
    const gone = service({ plexPins: () => ({ ...pins, checkPin: async () => 'expired' as const }) });
    expect(await gone.waitForPlexToken(signIn)).toBe('expired');
  });

  describe('runNonInteractive', () => {
    it('names every missing value before asking anything', async () => {
      const s = service({ plexServers: unused('plexServers'), discord: unused('discord') });
      await expect(s.runNonInteractive({ planPrice: '10' })).rejects.toThrow(
        new SetupMissingValuesError([
          '--plex-token (or PLEX_TOKEN)',
          '--discord-token (or DISCORD_TOKEN)',
          '--guild (or DISCORD_GUILD_ID)',
          '--subscriber-role (or DISCORD_SUBSCRIBER_ROLE_ID)',
          '--plan-name',
          '--plan-duration',
        ]),
      );
    });

    const given = { plexToken: 'p', discordToken: 'd', guild: 'Club', subscriberRole: 'Subscribers' };

    it('refuses a bad --import-as or plan field before asking anything', async () => {
      const s = service({ plexServers: unused('plexServers'), discord: unused('discord') });
      await expect(s.runNonInteractive({ ...given, importAs: 'gold' })).rejects.toThrow(new SetupValueError('--import-as must be standard or permanent, not "gold"'));
      await expect(s.runNonInteractive({ ...given, planName: 'M', planDuration: '3 weeks', planPrice: '5' })).rejects.toThrow(/^--plan-duration: duration "3 weeks" is not valid/);
    });

    it('refuses a role name two roles share, with their IDs, and a name that matches nothing, with what there is', async () => {
      await expect(service().runNonInteractive({ ...given, subscriberRole: 'VIP' })).rejects.toThrow(
        new SetupValueError('2 roles are named "VIP": give the ID instead (900000000000000003, 900000000000000002)'),
      );
      await expect(service().runNonInteractive({ ...given, subscriberRole: 'gold' })).rejects.toThrow(/2 roles are named "gold"/);
      // The exact name wins over the one that differs only in case: the run goes on to the channel.
      await expect(service().runNonInteractive({ ...given, subscriberRole: 'GOLD', adminChannel: 'staff' })).rejects.toThrow(/no text channel/);
      await expect(service().runNonInteractive({ ...given, adminChannel: 'staff' })).rejects.toThrow(
        new SetupValueError('Club has no text channel named or with the ID "staff" (there: #general)'),
      );
      await expect(service().runNonInteractive({ ...given, guild: 'Elsewhere' })).rejects.toThrow(
        new SetupValueError('the bot is in no Discord server named or with the ID "Elsewhere": add it with invite:2 (there: Club)'),
      );
    });
  });
});
