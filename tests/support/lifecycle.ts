/**
 * A lifecycle test bed: the real app on a fresh database, the fake plex.tv (smallAccount, synced),
 * and the fake Discord serving a guild whose members are the users given a Discord ID.
 */
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { FixedClock } from '../../src/config/clock';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { FakeDiscord, Perm, type FakeGuildSpec, type FakeMember } from '../fakes/discord';
import { SMALL_USERS, smallAccount } from '../fakes/plex/plex-data';
import type { DatabaseKind } from './databases';
import { createDefaultPlan, startHarness, type Harness } from './harness';

export const DISCORD_TOKEN = 'fake-bot-token.lifecycle.secret';
export const APP_ID = '910000000000000001';
export const GUILD_ID = '910000000000000002';
export const OWNER_ID = '910000000000000003';
export const ADMIN_CHANNEL = '910000000000000004';
export const ROLE_BOT = '920000000000000001';
export const ROLE_SUB = '920000000000000002';
export const ROLE_PERM = '920000000000000003';
/** A role above the bot's: changing it is refused with 50013. */
export const ROLE_HIGH = '920000000000000004';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** A stable Discord ID per plex.tv user. */
export const discordIdOf = (plexId: number): string => String(930000000000000000n + BigInt(plexId));

export interface MemberSpec {
  plexId: number;
  roles?: string[];
  dmsClosed?: boolean;
}

export function guildSpec(members: MemberSpec[]): FakeGuildSpec {
  const member = (m: MemberSpec): FakeMember => ({
    user: { id: discordIdOf(m.plexId), username: `user${m.plexId}` },
    roles: m.roles ?? [],
    ...(m.dmsClosed ? { dmsClosed: true } : {}),
  });
  return {
    id: GUILD_ID,
    name: 'Streams',
    ownerId: OWNER_ID,
    roles: [
      { id: ROLE_HIGH, name: 'Moderator', position: 5, permissions: '0' },
      { id: ROLE_BOT, name: 'StreamsBot', position: 4, permissions: (Perm.ManageRoles | Perm.SendMessages | Perm.ViewChannel).toString(), managed: true },
      { id: ROLE_PERM, name: 'Permanent', position: 2, permissions: '0' },
      { id: ROLE_SUB, name: 'Subscriber', position: 1, permissions: '0' },
    ],
    members: [
      { user: { id: OWNER_ID, username: 'owner' }, roles: [] },
      { user: { id: APP_ID, username: 'StreamsBot', bot: true }, roles: [ROLE_BOT] },
      ...members.map(member),
    ],
    channels: [{ id: ADMIN_CHANNEL, name: 'admins' }],
  };
}

export interface LifecycleBed {
  h: Harness;
  discord: FakeDiscord;
  app: App;
  clock: FixedClock;
  /** Another app (another "process") on the same database and fakes. */
  secondApp(clock?: FixedClock): Promise<App>;
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /** Links users to their Discord IDs, sets classes. */
  link(plexIds: number[]): Promise<void>;
  setClass(plexId: number, userClass: 'standard' | 'permanent'): Promise<void>;
  /** Moves the end of the user's default payment. */
  setDefaultEnd(plexId: number, endsAt: Date): Promise<void>;
  /** Every user but these pays for a year, so only these expire at the default end. */
  onlyExpiring(plexIds: number[]): Promise<void>;
  /** Adds a payment (a renewal) for the user. */
  addPayment(plexId: number, startsAt: Date, endsAt: Date, subscriptionId?: string | null): Promise<void>;
  user(plexId: number): Promise<Record<string, unknown>>;
  writes(): Array<{ method: string; path: string; status: number }>;
  close(): Promise<void>;
}

export async function startLifecycleBed(kind: DatabaseKind, members: MemberSpec[], env: Record<string, string> = {}): Promise<LifecycleBed> {
  const discord = new FakeDiscord({ token: DISCORD_TOKEN, applicationId: APP_ID, botUser: { id: APP_ID, username: 'StreamsBot' }, guilds: [guildSpec(members)] });
  const { apiUrl } = await discord.start();
  const h = await startHarness(kind, smallAccount(), {
    DISCORD_TOKEN,
    DISCORD_GUILD_ID: GUILD_ID,
    DISCORD_API_URL: apiUrl,
    DISCORD_SUBSCRIBER_ROLE_ID: ROLE_SUB,
    DISCORD_PERMANENT_ROLE_ID: ROLE_PERM,
    DISCORD_ADMIN_CHANNEL_ID: ADMIN_CHANNEL,
    ...env,
  });
  await createDefaultPlan(h.app);
  await h.app.usersSync().run();
  await h.app.sharedServersSync().run();
  const extraApps: App[] = [];
  const sql = async <T>(query: string, params: unknown[] = []) => (await h.app.store.dataSource.query(query, params)) as T[];
  const iso = (d: Date) => (kind === 'sqlite' ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}` : d);
  const userId = async (plexId: number) => Number((await sql<{ id: number }>('SELECT id FROM users WHERE plex_id = ?', [plexId]))[0]!.id);
  return {
    h,
    discord,
    app: h.app,
    clock: h.clock,
    sql,
    async secondApp(clock = h.clock) {
      const app = await createApp(loadConfig(h.env), { clock, logger: createLogger('silent') });
      extraApps.push(app);
      return app;
    },
    async link(plexIds) {
      for (const plexId of plexIds) await sql('UPDATE users SET discord_id = ? WHERE plex_id = ?', [discordIdOf(plexId), plexId]);
    },
    async setClass(plexId, userClass) {
      await sql('UPDATE users SET class = ? WHERE plex_id = ?', [userClass, plexId]);
    },
    async setDefaultEnd(plexId, endsAt) {
      await sql('UPDATE payments SET ends_at = ? WHERE is_default = 1 AND user_id = ?', [iso(endsAt), await userId(plexId)]);
    },
    async onlyExpiring(plexIds) {
      const year = iso(new Date(h.clock.now().getTime() + 365 * DAY));
      const keep = plexIds.length > 0 ? plexIds : [0];
      await sql(
        `UPDATE payments SET ends_at = ? WHERE user_id IN (SELECT id FROM users WHERE plex_id NOT IN (${keep.map(() => '?').join(', ')}))`,
        [year, ...keep],
      );
    },
    async addPayment(plexId, startsAt, endsAt, subscriptionId = null) {
      const id = await userId(plexId);
      const plan = (await sql<{ id: number }>('SELECT id FROM plans LIMIT 1'))[0]!;
      await h.app.store.transaction((r) =>
        r.payments.insertMany(
          [{ userId: id, planId: Number(plan.id), startsAt, endsAt, amountCents: 1000, currency: 'USD', subscriptionId, transactionId: null, source: 'manual', isDefault: false }],
          h.clock.now(),
        ),
      );
    },
    async user(plexId) {
      return (await sql<Record<string, unknown>>('SELECT * FROM users WHERE plex_id = ?', [plexId]))[0]!;
    },
    writes() {
      return discord.restLog.filter((e) => e.method !== 'GET').map((e) => ({ method: e.method, path: e.path, status: e.status }));
    },
    async close() {
      for (const app of extraApps) await app.close();
      await h.close();
      await discord.stop();
    },
  };
}

export { SMALL_USERS };
