import type { UserClass } from '../../entities';
import { sharedInstants } from './instants';
import { readBool, readDate, type Sql } from './sql';

export interface SubscriptionPayment {
  id: number;
  planName: string;
  startsAt: Date;
  endsAt: Date;
  subscriptionId: string | null;
}

export interface SubscriptionShare {
  /** shared_servers.id */
  id: number;
  plexShareId: number;
  machineIdentifier: string;
  serverName: string;
  pending: boolean;
  allLibraries: boolean;
  /** Titles of the shared libraries, as the shares sync (or the bot's own share) recorded them. */
  libraries: string[];
}

/** What the lifecycle needs to know about one user: class, Discord, payments that count (not voided), shares and its own marks. */
export interface SubscriptionUser {
  id: number;
  plexId: number;
  title: string;
  username: string | null;
  userClass: UserClass;
  discordId: string | null;
  removedAt: Date | null;
  dmsClosedAt: Date | null;
  discordMissingAt: Date | null;
  plexRemovalDueAt: Date | null;
  plexRemovalError: string | null;
  plexRemovedAt: Date | null;
  plexRemovedEndAt: Date | null;
  /** Why bringing the shares in line with the plan last failed; set means retried next run. */
  plexAccessError: string | null;
  /** Staged expiry: when the shares were reduced to the plan's renew libraries. */
  plexReducedAt: Date | null;
  payments: SubscriptionPayment[];
  /** Shares of enabled servers only: a disabled server is one the admin told us to leave alone. */
  shares: SubscriptionShare[];
}

/** Payments read per statement by loadAll. */
const PAYMENTS_PAGE = 10_000;

const USER_COLUMNS = `u.id, u.plex_id, u.title, u.username, u.class, u.discord_id, u.removed_at, u.dms_closed_at, u.discord_missing_at,
  u.plex_removal_due_at, u.plex_removal_error, u.plex_removed_at, u.plex_removed_end_at, u.plex_access_error, u.plex_reduced_at`;

/** Reads every user's subscription in three queries, and writes the lifecycle's marks in batches. */
export class SubscriptionRepository {
  constructor(private readonly sql: Sql) {}

  /** Every user with their payments and shares: three queries whatever the number of users. */
  async loadAll(): Promise<SubscriptionUser[]> {
    const users = await this.sql.query(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.id`);
    // Every payment ever made (an import adds tens of thousands), read in pages so that each
    // page's raw rows are gone before the next; the plan's name is looked up rather than joined,
    // so each plan's name is one string, not one per payment.
    const planNames = new Map((await this.sql.query('SELECT id, name FROM plans')).map((r) => [Number(r.id), String(r.name)]));
    const byId = assemble(users, [], []);
    const add = paymentAdder(new Map(byId.map((u) => [u.id, u])));
    for (let after = 0; ; ) {
      const page = await this.sql.query(
        `SELECT id, user_id, plan_id, starts_at, ends_at, subscription_id FROM payments WHERE voided_at IS NULL AND id > ? ORDER BY id LIMIT ${PAYMENTS_PAGE}`,
        [after],
      );
      for (const p of page) p.plan_name = planNames.get(Number(p.plan_id));
      add(page);
      if (page.length < PAYMENTS_PAGE) break;
      after = Number(page[page.length - 1]!.id);
    }
    const shares = await this.sql.query(
      `SELECT s.id, s.user_id, s.plex_share_id, s.pending, s.all_libraries, s.libraries, m.machine_identifier, m.name AS server_name
         FROM shared_servers s JOIN media_servers m ON m.id = s.server_id
        WHERE m.enabled = ?`,
      [true],
    );
    addShares(new Map(byId.map((u) => [u.id, u])), shares);
    return byId;
  }

  /** One user, the same shape: for reconciling right after an admin's edit. */
  async loadOne(plexId: number): Promise<SubscriptionUser | null> {
    const users = await this.sql.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.plex_id = ?`, [plexId]);
    const id = users[0]?.id;
    if (id === undefined) return null;
    const payments = await this.sql.query(
      `SELECT p.id, p.user_id, pl.name AS plan_name, p.starts_at, p.ends_at, p.subscription_id
         FROM payments p JOIN plans pl ON pl.id = p.plan_id WHERE p.user_id = ? AND p.voided_at IS NULL`,
      [Number(id)],
    );
    const shares = await this.sql.query(
      `SELECT s.id, s.user_id, s.plex_share_id, s.pending, s.all_libraries, s.libraries, m.machine_identifier, m.name AS server_name
         FROM shared_servers s JOIN media_servers m ON m.id = s.server_id
        WHERE m.enabled = ? AND s.user_id = ?`,
      [true, Number(id)],
    );
    return assemble(users, payments, shares)[0] ?? null;
  }

  async setDmsClosed(userIds: number[], at: Date | null): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE users SET dms_closed_at = ? WHERE id IN (${inList})`, userIds, [at]);
  }

  async setDiscordMissing(userIds: number[], at: Date | null): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE users SET discord_missing_at = ? WHERE id IN (${inList})`, userIds, [at]);
  }

  async markRemovalDue(userIds: number[], at: Date): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE users SET plex_removal_due_at = ? WHERE plex_removal_due_at IS NULL AND id IN (${inList})`, userIds, [at]);
  }

  /** No longer due (renewed, or nothing left to remove): the mark and its error go. */
  async clearRemovalDue(userIds: number[]): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE users SET plex_removal_due_at = NULL, plex_removal_error = NULL WHERE id IN (${inList})`, userIds);
  }

  async setRemovalError(userId: number, error: string): Promise<void> {
    await this.sql.query('UPDATE users SET plex_removal_error = ? WHERE id = ?', [error.slice(0, 255), userId]);
  }

  /** Every share is gone: remember for which payment end, so a later re-invite is not undone. */
  async completeRemoval(userId: number, endedAt: Date | null, at: Date): Promise<void> {
    await this.sql.query(
      'UPDATE users SET plex_removal_due_at = NULL, plex_removal_error = NULL, plex_removed_at = ?, plex_removed_end_at = ?, plex_reduced_at = NULL WHERE id = ?',
      [at, endedAt, userId],
    );
  }

  /** null clears it: plex.tv matches the user's plan again. */
  async setPlexAccessError(userId: number, error: string | null): Promise<void> {
    await this.sql.query('UPDATE users SET plex_access_error = ? WHERE id = ?', [error === null ? null : error.slice(0, 255), userId]);
  }

  /** Batched forms for many users settled at once. */
  async completeRestoreMany(userIds: number[]): Promise<void> {
    await this.sql.queryIn(
      (inList) =>
        `UPDATE users SET plex_removed_at = NULL, plex_removed_end_at = NULL, plex_removal_due_at = NULL, plex_removal_error = NULL, plex_access_error = NULL, plex_reduced_at = NULL WHERE id IN (${inList})`,
      userIds,
    );
  }

  async markReducedMany(userIds: number[], at: Date): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE users SET plex_reduced_at = ?, plex_access_error = NULL WHERE id IN (${inList})`, userIds, [at]);
  }

  async clearPlexAccessErrors(userIds: number[]): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE users SET plex_access_error = NULL WHERE id IN (${inList})`, userIds);
  }

  /** The shares are down to the plan's renew libraries: removal comes the renew days after this. */
  async markReduced(userId: number, at: Date): Promise<void> {
    await this.sql.query('UPDATE users SET plex_reduced_at = ?, plex_access_error = NULL WHERE id = ?', [at, userId]);
  }

  /** The removed (or reduced) shares are back: the removal marks go, so a later expiry removes them again. */
  async completeRestore(userId: number): Promise<void> {
    await this.sql.query(
      'UPDATE users SET plex_removed_at = NULL, plex_removed_end_at = NULL, plex_removal_due_at = NULL, plex_removal_error = NULL, plex_access_error = NULL, plex_reduced_at = NULL WHERE id = ?',
      [userId],
    );
  }
}

function assemble(users: Record<string, unknown>[], payments: Record<string, unknown>[], shares: Record<string, unknown>[]): SubscriptionUser[] {
  const byId = new Map<number, SubscriptionUser>();
  const out: SubscriptionUser[] = [];
  for (const r of users) {
    const user: SubscriptionUser = {
      id: Number(r.id),
      plexId: Number(r.plex_id),
      title: String(r.title),
      username: (r.username as string | null) ?? null,
      userClass: r.class as UserClass,
      discordId: (r.discord_id as string | null) ?? null,
      removedAt: readDate(r.removed_at),
      dmsClosedAt: readDate(r.dms_closed_at),
      discordMissingAt: readDate(r.discord_missing_at),
      plexRemovalDueAt: readDate(r.plex_removal_due_at),
      plexRemovalError: (r.plex_removal_error as string | null) ?? null,
      plexRemovedAt: readDate(r.plex_removed_at),
      plexRemovedEndAt: readDate(r.plex_removed_end_at),
      plexAccessError: (r.plex_access_error as string | null) ?? null,
      plexReducedAt: readDate(r.plex_reduced_at),
      payments: [],
      shares: [],
    };
    byId.set(user.id, user);
    out.push(user);
  }
  paymentAdder(byId)(payments);
  addShares(byId, shares);
  return out;
}

/** Adds payment rows to their users, one Date per instant across all the rows it is given. */
function paymentAdder(byId: Map<number, SubscriptionUser>): (payments: Record<string, unknown>[]) => void {
  const instant = sharedInstants();
  return (payments) => {
    for (const r of payments) {
      byId.get(Number(r.user_id))?.payments.push({
        id: Number(r.id),
        planName: String(r.plan_name),
        startsAt: instant(r.starts_at) as Date,
        endsAt: instant(r.ends_at) as Date,
        subscriptionId: (r.subscription_id as string | null) ?? null,
      });
    }
  };
}

function addShares(byId: Map<number, SubscriptionUser>, shares: Record<string, unknown>[]): void {
  for (const r of shares) {
    byId.get(Number(r.user_id))?.shares.push({
      id: Number(r.id),
      plexShareId: Number(r.plex_share_id),
      machineIdentifier: String(r.machine_identifier),
      serverName: String(r.server_name),
      pending: readBool(r.pending),
      allLibraries: readBool(r.all_libraries),
      libraries: JSON.parse(String(r.libraries)) as string[],
    });
  }
}
