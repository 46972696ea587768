import type { DiscordLinkedVia, UserClass } from '../../entities';
import type { Clock } from '../config/clock';
import { isSubscriptionId, SUBSCRIPTION_ID_RULE } from '../payments/subscription-id';
import type { PaymentRow } from '../repositories/payment.repository';
import type { PlanRow } from '../repositories/plan.repository';
import type { Repositories, Store } from '../repositories/store';
import type { UserRow } from '../repositories/user.repository';
import { AmbiguousUserError, NotFoundError } from './errors';
import { computeStatus, describeStatus, standingOf, type Status } from './status';

/** Who a Discord ID belongs to in the guild (implemented by the bot; absent from the CLI). */
export interface MemberDirectory {
  findMember(discordId: string): Promise<{ id: string; username: string } | null>;
}

export interface FieldError {
  field: string;
  message: string;
}

export type EditResult = { ok: true; card: UserCard } | { ok: false; errors: FieldError[] };

export interface UserCard {
  plexId: number;
  title: string;
  username: string | null;
  email: string | null;
  home: boolean;
  class: UserClass;
  paypalEmail: string | null;
  discordId: string | null;
  discordUsername: string | null;
  discordLinkedVia: DiscordLinkedVia | null;
  discordLinkedAt: Date | null;
  removedAt: Date | null;
  status: Status;
  statusText: string;
  needsReview: boolean;
  /** What the lifecycle ran into with this user: closed DMs, not on the server, removal from Plex. */
  lifecycleNotes: string[];
  servers: Array<{ serverName: string; invitedAt: Date | null; acceptedAt: Date | null; pending: boolean; allLibraries: boolean; libraries: string[] }>;
  defaultPayment: { plan: string; startsAt: Date; endsAt: Date; subscriptionId: string | null } | null;
}

export interface ProfileInput {
  paypalEmail: string;
  discordId: string;
  discordUsername: string;
}

export interface PaymentInput {
  plan: string;
  startsAt: string;
  endsAt: string;
  subscriptionId: string;
}

export type StatusFilter = 'active' | 'expired' | 'permanent' | 'removed' | 'needs-review';

export interface UserListFilters {
  search?: string;
  class?: UserClass;
  status?: StatusFilter;
  /** A server's name or machine identifier. */
  server?: string;
}

export interface UserListRow {
  plexId: number;
  title: string;
  username: string | null;
  class: UserClass;
  statusText: string;
  removed: boolean;
  needsReview: boolean;
  discordId: string | null;
}

/** Candidates listed when a typed name matches several users. */
const SHOWN_CANDIDATES = 10;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const SNOWFLAKE = /^\d{17,20}$/;
const DISCORD_USERNAME = /^[a-z0-9_.]{2,32}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A user needs review until an admin has saved the profile, and for standard users the default payment. */
export function needsReview(u: Pick<UserRow, 'profileReviewedAt' | 'paymentReviewedAt' | 'userClass' | 'removedAt'>): boolean {
  if (u.removedAt) return false;
  return u.profileReviewedAt === null || (u.userClass === 'standard' && u.paymentReviewedAt === null);
}

/** What an admin does to one user: look them up, edit the profile and the default payment, change the class. */
export class UserAdminService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async card(plexId: number): Promise<UserCard> {
    return this.store.read((repos) => this.loadCard(repos, plexId));
  }

  /** The 25 best matches for a search box: exact, then prefix, then substring; over username, email, title and Discord username. */
  async search(text: string, limit = 25): Promise<Array<{ plexId: number; label: string }>> {
    const query = text.trim().toLowerCase();
    const candidates = await this.store.read((repos) => repos.users.search(query, 200));
    const score = (u: UserRow) => {
      const fields = [u.title, u.username, u.email, u.discordUsername].filter((f): f is string => !!f).map((f) => f.toLowerCase());
      if (!query) return 3;
      if (fields.some((f) => f === query)) return 0;
      if (fields.some((f) => f.startsWith(query))) return 1;
      return 2;
    };
    return candidates
      .map((u) => ({ u, s: score(u) }))
      .sort((a, b) => a.s - b.s || a.u.title.localeCompare(b.u.title))
      .slice(0, limit)
      .map(({ u }) => ({ plexId: u.plexId, label: userLabel(u) }));
  }

  /**
   * The one user a typed text names, as a plex.tv id: a plex id (what an autocomplete pick puts
   * there), a plex.tv username, email or Discord username (each names one account), or a part of a
   * name that only one user has. Several users matching is refused with the candidates listed,
   * never settled by a guess. `hint` ends the message of a refusal ("nothing was assigned").
   */
  async identify(text: string, hint?: string): Promise<number> {
    const typed = text.trim();
    if (/^\d{1,15}$/.test(typed)) return Number(typed);
    const suffix = hint ? `: ${hint}` : '';
    if (!typed) throw new NotFoundError(`no user given${suffix}`);
    const { exact, partial } = await this.store.read(async (repos) => {
      const exact = await repos.users.findByIdentifier(typed);
      return { exact, partial: exact.length === 1 ? [] : await repos.users.search(typed, SHOWN_CANDIDATES + 1) };
    });
    if (exact.length === 1) return exact[0]!.plexId;
    if (partial.length === 1) return partial[0]!.plexId;
    if (partial.length === 0) throw new NotFoundError(`no user matches "${typed}"${suffix}`);
    const total = partial.length > SHOWN_CANDIDATES ? await this.store.read((repos) => repos.users.countMatching(typed)) : partial.length;
    const shown = partial.slice(0, SHOWN_CANDIDATES);
    throw new AmbiguousUserError(typed, shown.map((u) => ({ plexId: u.plexId, title: u.title, username: u.username })), total - shown.length, hint);
  }

  async updateProfile(plexId: number, input: ProfileInput, members?: MemberDirectory): Promise<EditResult> {
    const errors: FieldError[] = [];
    const paypalEmail = blank(input.paypalEmail)?.toLowerCase() ?? null;
    const discordId = blank(input.discordId);
    let discordUsername = blank(input.discordUsername);
    if (paypalEmail && (!EMAIL.test(paypalEmail) || paypalEmail.length > 255)) {
      errors.push({ field: 'paypalEmail', message: `"${input.paypalEmail.trim()}" is not an email address` });
    }
    if (discordId && !SNOWFLAKE.test(discordId)) {
      errors.push({ field: 'discordId', message: `"${discordId}" is not a Discord ID (17 to 20 digits; right-click the member > Copy User ID)` });
    }
    if (discordId && SNOWFLAKE.test(discordId) && members) {
      const member = await members.findMember(discordId);
      if (member) {
        if (!discordUsername) discordUsername = member.username;
        else if (discordUsername.toLowerCase() !== member.username.toLowerCase()) {
          errors.push({ field: 'discordUsername', message: `member ${discordId} is "${member.username}" on this server, not "${discordUsername}"` });
        }
      }
    }
    if (discordUsername && !DISCORD_USERNAME.test(discordUsername.toLowerCase())) {
      errors.push({ field: 'discordUsername', message: `"${discordUsername}" is not a Discord username (2 to 32 of a-z, 0-9, _ and .)` });
    }
    return this.store.transaction(async (repos) => {
      const user = await this.requireUser(repos, plexId);
      for (const holder of await repos.users.findHolders({ paypalEmail, discordId }, user.id)) {
        if (paypalEmail && holder.paypalEmail === paypalEmail) {
          errors.push({ field: 'paypalEmail', message: `${paypalEmail} is already the PayPal email of ${userLabel(holder)}` });
        }
        if (discordId && holder.discordId === discordId) {
          errors.push({ field: 'discordId', message: `${discordId} is already the Discord ID of ${userLabel(holder)}` });
        }
      }
      if (errors.length > 0) return { ok: false as const, errors };
      const now = this.clock.now();
      await repos.users.updateProfile(user.id, { paypalEmail, discordId, discordUsername: discordUsername?.toLowerCase() ?? null }, now);
      if (discordId !== user.discordId) await repos.users.markDiscordLink(user.id, discordId ? 'admin' : null, discordId ? now : null);
      return { ok: true as const, card: await this.loadCard(repos, plexId) };
    });
  }

  async updateDefaultPayment(plexId: number, input: PaymentInput): Promise<EditResult> {
    const errors: FieldError[] = [];
    const startDay = parseDay(input.startsAt);
    const endDay = parseDay(input.endsAt);
    if (!startDay) errors.push({ field: 'startsAt', message: `"${input.startsAt.trim()}" is not a date like 2026-12-31` });
    if (!endDay) errors.push({ field: 'endsAt', message: `"${input.endsAt.trim()}" is not a date like 2026-12-31` });
    if (startDay && endDay && endDay.getTime() <= startDay.getTime()) {
      errors.push({ field: 'endsAt', message: `the end date ${input.endsAt.trim()} must be after the start date ${input.startsAt.trim()}` });
    }
    const subscriptionId = blank(input.subscriptionId);
    if (subscriptionId && !isSubscriptionId(subscriptionId)) {
      errors.push({ field: 'subscriptionId', message: `"${subscriptionId}" is not a subscription ID: ${SUBSCRIPTION_ID_RULE}` });
    }
    return this.store.transaction(async (repos) => {
      const user = await this.requireUser(repos, plexId);
      const plan = await repos.plans.findByName(input.plan.trim());
      if (!plan) errors.push({ field: 'plan', message: `there is no plan named "${input.plan.trim()}"` });
      if (errors.length > 0 || !plan || !startDay || !endDay) return { ok: false as const, errors };
      const now = this.clock.now();
      const existing = (await repos.payments.listForUser(user.id)).find((p) => p.isDefault);
      // A date the admin left as it was keeps its time of day; a changed date starts at midnight UTC.
      const startsAt = existing && sameDay(existing.startsAt, startDay) ? existing.startsAt : startDay;
      const endsAt = existing && sameDay(existing.endsAt, endDay) ? existing.endsAt : endDay;
      const fields = { planId: plan.id, startsAt, endsAt, subscriptionId, amountCents: plan.priceCents, currency: plan.currency };
      if (existing) await repos.payments.updateDefault(existing.id, fields, now);
      else await repos.payments.insertMany([{ ...fields, userId: user.id, transactionId: null, source: 'manual', isDefault: true }], now);
      await repos.users.markPaymentReviewed(user.id, now);
      return { ok: true as const, card: await this.loadCard(repos, plexId) };
    });
  }

  /** Forgets the user's Discord account (a wrong link, an account that changed hands): roles and DMs stop. */
  async unlinkDiscord(plexId: number): Promise<UserCard> {
    return this.store.transaction(async (repos) => {
      const user = await this.requireUser(repos, plexId);
      await repos.users.unlinkDiscord(user.id, this.clock.now());
      return this.loadCard(repos, plexId);
    });
  }

  async setClass(plexId: number, userClass: UserClass): Promise<UserCard> {
    return this.store.transaction(async (repos) => {
      const user = await this.requireUser(repos, plexId);
      await repos.users.setClass(user.id, userClass, this.clock.now());
      return this.loadCard(repos, plexId);
    });
  }

  /** The values a payment modal opens with. */
  async paymentForm(plexId: number): Promise<{ plans: PlanRow[]; current: PaymentRow | null; defaultPlan: PlanRow | null }> {
    return this.store.read(async (repos) => {
      const user = await this.requireUser(repos, plexId);
      const plans = await repos.plans.list();
      const current = (await repos.payments.listForUser(user.id)).find((p) => p.isDefault) ?? null;
      return { plans, current, defaultPlan: plans.find((p) => p.isDefault) ?? null };
    });
  }

  /** Users with their status, filtered: four queries whatever the number of users. */
  async list(filters: UserListFilters = {}): Promise<UserListRow[]> {
    const now = this.clock.now();
    return this.store.read(async (repos) => {
      const [users, periods, shares] = [await repos.users.list(), await repos.payments.listPeriods(), await repos.shares.listAll()];
      const periodsByUser = groupBy(periods, (p) => p.userId);
      const serverFilter = filters.server?.trim().toLowerCase();
      const onServer = serverFilter
        ? new Set(shares.filter((s) => s.serverName.toLowerCase() === serverFilter || s.machineIdentifier.toLowerCase() === serverFilter).map((s) => s.userId))
        : null;
      const search = filters.search?.trim().toLowerCase();
      const rows: UserListRow[] = [];
      for (const u of users) {
        if (filters.class && u.userClass !== filters.class) continue;
        if (onServer && !onServer.has(u.id)) continue;
        if (search && ![u.title, u.username, u.email, u.discordUsername, u.paypalEmail].some((f) => f?.toLowerCase().includes(search))) continue;
        const status = computeStatus(u.userClass, periodsByUser.get(u.id) ?? [], now);
        const review = needsReview(u);
        if (filters.status && !matchesStatus(filters.status, u, status, review)) continue;
        rows.push({
          plexId: u.plexId,
          title: u.title,
          username: u.username,
          class: u.userClass,
          statusText: u.removedAt ? 'removed from Plex' : describeStatus(status, now),
          removed: u.removedAt !== null,
          needsReview: review,
          discordId: u.discordId,
        });
      }
      return rows;
    });
  }

  async countNeedingReview(): Promise<number> {
    const users = await this.store.read((repos) => repos.users.list());
    return users.filter(needsReview).length;
  }

  private async requireUser(repos: Repositories, plexId: number): Promise<UserRow> {
    const user = await repos.users.findByPlexId(plexId);
    if (!user) throw new NotFoundError(`no user with plex.tv id ${plexId}: they may have been deleted; run /users list`);
    return user;
  }

  private async loadCard(repos: Repositories, plexId: number): Promise<UserCard> {
    const user = await this.requireUser(repos, plexId);
    const payments = await repos.payments.listForUser(user.id);
    const shares = await repos.shares.listForUser(user.id);
    const now = this.clock.now();
    const status = computeStatus(user.userClass, payments, now);
    const def = payments.find((p) => p.isDefault);
    return {
      plexId: user.plexId,
      title: user.title,
      username: user.username,
      email: user.email,
      home: user.home,
      class: user.userClass,
      paypalEmail: user.paypalEmail,
      discordId: user.discordId,
      discordUsername: user.discordUsername,
      discordLinkedVia: user.discordLinkedVia,
      discordLinkedAt: user.discordLinkedAt,
      removedAt: user.removedAt,
      status,
      statusText: user.removedAt ? `removed from Plex on ${user.removedAt.toISOString().slice(0, 10)}` : describeStatus(status, now),
      needsReview: needsReview(user),
      lifecycleNotes: lifecycleNotes(user),
      servers: shares.map((s) => ({
        serverName: s.serverName,
        invitedAt: s.invitedAt,
        acceptedAt: s.acceptedAt,
        pending: s.pending,
        allLibraries: s.allLibraries,
        libraries: s.libraries,
      })),
      defaultPayment: def ? { plan: def.planName, startsAt: def.startsAt, endsAt: def.endsAt, subscriptionId: def.subscriptionId } : null,
    };
  }
}

function lifecycleNotes(u: UserRow): string[] {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const notes: string[] = [];
  if (u.dmsClosedAt) notes.push(`DMs closed: a reminder or expiry notice could not be sent (${day(u.dmsClosedAt)})`);
  if (u.discordMissingAt) notes.push(`not a member of the Discord server (seen ${day(u.discordMissingAt)})`);
  if (u.plexRemovedAt) notes.push(`removed from your Plex servers on ${day(u.plexRemovedAt)}`);
  else if (u.plexRemovalDueAt) notes.push(`due for removal from Plex on ${day(u.plexRemovalDueAt)}${u.plexRemovalError ? ` (last attempt failed: ${u.plexRemovalError})` : ''}`);
  return notes;
}

function matchesStatus(filter: StatusFilter, u: UserRow, status: Status, review: boolean): boolean {
  return filter === 'needs-review' ? review : standingOf(u.removedAt, status) === filter;
}

/** "O'Brien & Søn (obrien_son)": how a user is named to an admin. */
export function userLabel(u: Pick<UserRow, 'title' | 'username' | 'plexId'>): string {
  return u.username && u.username !== u.title ? `${u.title} (${u.username})` : u.title;
}

function blank(v: string | undefined): string | null {
  const t = v?.trim() ?? '';
  return t === '' ? null : t;
}

function parseDay(text: string): Date | null {
  const m = DATE.exec(text.trim());
  if (!m) return null;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // Refuse 2026-02-31 and the like instead of rolling over.
  return date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]) ? date : null;
}

function sameDay(a: Date, b: Date): boolean {
  return a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
}

function groupBy<T>(items: T[], key: (t: T) => number): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const item of items) {
    const list = map.get(key(item));
    if (list) list.push(item);
    else map.set(key(item), [item]);
  }
  return map;
}
