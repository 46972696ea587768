import type { UserClass } from '../../entities';
import type { Clock } from '../config/clock';
import {
  PlexAlreadySharedError,
  PlexAuthError,
  PlexError,
  PlexNetworkError,
  PlexNotFoundError,
  PlexRateLimitedError,
  PlexShareGoneError,
  PlexShareRequestError,
  PlexTimeoutError,
} from '../plex/errors';
import type { PlexSharingApi } from '../plex/plex-sharing.client';
import type { PlexTvApi } from '../plex/plex-tv.client';
import type { PlexShare, PlexUser } from '../plex/schemas';
import type { InviteRow, InviteShare } from '../repositories/invite.repository';
import type { Repositories, Store } from '../repositories/store';
import { DomainError, NotFoundError } from './errors';
import type { DiscordSide } from './lifecycle/context';
import { Outbox, type OutboxItem, type OutboxOutcome } from './outbox';
import type { PlanAccessService, ResolvedServerAccess } from './plan-access.service';
import { addDuration } from './plan-rules';
import type { UserAdminService, UserListRow } from './user-admin.service';

export interface InviteOptions {
  discordId?: string | null;
  /** The paid period's end (default: the plan's duration from now). */
  until?: Date | null;
  dryRun?: boolean;
}

/** One server shared by an invite, as `invite --json` prints it. */
export interface InvitedShare {
  machineIdentifier: string;
  serverName: string;
  /** null in a dry run. */
  shareId: number | null;
  libraries: string[];
  pending: boolean;
}

export interface InviteResult {
  dryRun: boolean;
  invitedAs: string;
  plan: string;
  endsAt: Date;
  /** null until plex.tv shows an account for the invitee (an e-mail with no Plex account yet). */
  user: UserListRow | null;
  shares: InvitedShare[];
  /** Titles the plan names that a server no longer has (reported, not shared). */
  missingLibraries: string[];
  /** What did not follow (role, welcome DM) and why: the invite itself stands. */
  warnings: string[];
}

/** A pending invite, as lists show it. */
export interface PendingInvite {
  id: number;
  invitedAs: string;
  plan: string;
  plexId: number | null;
  title: string | null;
  status: 'awaiting-account' | 'awaiting-acceptance';
  servers: string[];
  invitedAt: Date;
}

export interface CancelResult {
  invitedAs: string;
  plexId: number | null;
  unshared: string[];
  /** Shares plex.tv no longer had (declined, or removed by hand). */
  alreadyGone: string[];
}

export interface InviteDeps {
  store: Store;
  clock: Clock;
  planAccess: PlanAccessService;
  sharing: () => PlexSharingApi;
  plex: () => PlexTvApi;
  users: UserAdminService;
  defaultImportAs: UserClass;
  /** The member's role after an invite (the lifecycle's reconcile for one user). */
  reconcileUser: (plexId: number) => Promise<{ failures: Array<{ reason: string }> }>;
  /** The bot's Discord access, for the welcome DM; throws a ConfigError when Discord is not configured. */
  discord: () => DiscordSide;
}

const SNOWFLAKE = /^\d{17,20}$/;
const SHARE_KEY = (inviteId: number, mid: string) => `invite:${inviteId}:share:${mid}`;
const UNSHARE_KEY = (inviteId: number, mid: string) => `invite:${inviteId}:unshare:${mid}`;
const WELCOME_KEY = (inviteId: number) => `invite:${inviteId}:welcome`;

/** The payload of a plex-share outbox entry: what to share, so a resumed invite shares the same. */
interface SharePayload {
  invitee: string;
  serverName: string;
  librarySectionIds: number[];
  libraries: string[];
}

/** What one share effect learned from plex.tv. */
interface ShareDone {
  share: InviteShare;
  account: Pick<PlexShare, 'plexUserId' | 'username' | 'email' | 'pending'>;
}

/**
 * Invites a friend on plex.tv with a plan's servers and libraries, and records them as a user
 * with a payment on that plan. Each plex.tv share is an outbox entry written before the call, so
 * a crash mid-way leaves it pending: the same invite again resumes it, and plex.tv's "already
 * sharing" makes it adopt the share the crashed attempt created instead of making a second one.
 * The user and the payment are only written once every share is made: nothing half-recorded.
 */
export class InviteService {
  private readonly outbox: Outbox;

  constructor(private readonly deps: InviteDeps) {
    this.outbox = new Outbox(deps.store);
  }

  async invite(emailOrUsername: string, planName: string, options: InviteOptions = {}): Promise<InviteResult> {
    const invitee = emailOrUsername.trim();
    if (invitee === '') throw new DomainError('name the Plex e-mail or username to invite');
    const discordId = options.discordId?.trim() || null;
    if (discordId && !SNOWFLAKE.test(discordId)) throw new DomainError(`Discord ID "${discordId}" is not valid: it is a number of 17 to 20 digits`);
    const now = this.deps.clock.now();
    const plan = await this.deps.store.read(async (r) => {
      const found = await r.plans.findByName(planName);
      if (!found) throw new NotFoundError(`no plan named "${planName}"`);
      if (discordId) {
        const holders = await r.users.findHolders({ paypalEmail: null, discordId }, -1);
        const other = holders.find((h) => !sameName(h.username, invitee) && !sameName(h.email, invitee));
        if (other) throw new DomainError(`Discord ID ${discordId} already belongs to ${other.title} (plex ${other.plexId})`);
      }
      return found;
    });
    const endsAt = options.until ?? addDuration(now, { value: plan.durationValue, unit: plan.durationUnit });
    if (endsAt.getTime() <= now.getTime()) throw new DomainError(`the end date ${day(endsAt)} is not in the future`);
    const access = await this.deps.planAccess.resolve(plan.name);
    if (!access) {
      throw new DomainError(
        `plan "${plan.name}" has no access settings, so an invite would share nothing: set them first with ` +
          `\`plans set-access "${plan.name}" --server <machineIdentifier> --all\` (or /plan edit-access)`,
      );
    }
    const empty = access.find((a) => a.librarySectionIds.length === 0);
    if (empty) throw new DomainError(`plan "${plan.name}" names no library that ${empty.serverName} still has (${empty.missingLibraries.join(', ')}): fix it with \`plans set-access\``);
    const missingLibraries = access.flatMap((a) => a.missingLibraries.map((t) => `${a.serverName}: ${t}`));

    if (options.dryRun) {
      return {
        dryRun: true,
        invitedAs: invitee,
        plan: plan.name,
        endsAt,
        user: null,
        shares: access.map((a) => ({ machineIdentifier: a.machineIdentifier, serverName: a.serverName, shareId: null, libraries: a.libraries, pending: true })),
        missingLibraries,
        warnings: [],
      };
    }

    // An unfinished invite of the same person (a crash, plex.tv down) is resumed, not doubled.
    const open = (await this.deps.store.read((r) => r.invites.listByStatus(['sharing']))).find((i) => sameName(i.invitedAs, invitee));
    if (open && open.planId !== plan.id) {
      throw new DomainError(`an unfinished invite of ${invitee} on plan "${open.planName}" exists: run it again with that plan, or cancel it with \`invite cancel ${invitee}\``);
    }
    const inviteId = open
      ? open.id
      : await this.deps.store.transaction(async (r) => {
          const id = await r.invites.insert({ invitedAs: invitee, planId: plan.id, startsAt: now, endsAt, discordId }, now);
          for (const a of access) {
            const payload: SharePayload = { invitee, serverName: a.serverName, librarySectionIds: a.librarySectionIds, libraries: a.libraries };
            await r.outbox.enqueue(
              { key: SHARE_KEY(id, a.machineIdentifier), kind: 'plex-share', userId: null, target: a.machineIdentifier, payload: JSON.stringify(payload), reason: `invite ${invitee} (${plan.name})` },
              now,
            );
          }
          return id;
        });

    const items = (await this.outbox.pending('plex-share')).filter((i) => i.key.startsWith(`invite:${inviteId}:`));
    const done: ShareDone[] = [];
    const problems: string[] = [];
    let lasting = false;
    for (const item of items) {
      let learned: ShareDone | null = null;
      let reason = '';
      const outcome = await this.outbox.perform(
        item,
        async () => {
          learned = await this.share(item);
        },
        (error) => {
          reason = describe(error, invitee, JSON.parse(item.payload).serverName);
          return judgeShare(error, reason);
        },
        now,
        async (r, o) => {
          if (o.status === 'done' && learned) await r.invites.recordShare(inviteId, learned.share, now);
        },
        1,
      );
      if (outcome.status === 'done' && learned) done.push(learned);
      else {
        problems.push(reason);
        if (outcome.status === 'failed') lasting = true;
      }
    }
    if (problems.length > 0) {
      if (lasting) await this.deps.store.transaction((r) => r.invites.setStatus(inviteId, 'failed', now, { failure: problems.join('; ') }));
      throw new InviteFailedError(problems, !lasting);
    }

    const invite = (await this.deps.store.read((r) => r.invites.findById(inviteId)))!;
    const account = done.map((d) => d.account).find((a) => a.plexUserId > 0) ?? (await this.findAccount(invite));
    const plexId = account
      ? await this.deps.store.transaction((r) => attachInvite(r, invite, account, access.map((a) => a.machineIdentifier), this.deps.defaultImportAs, now))
      : (await this.deps.store.transaction((r) => r.invites.setStatus(inviteId, 'awaiting-account', now)), null);

    const warnings: string[] = [];
    if (discordId) warnings.push(...(await this.welcome(invite, plexId, access)));
    const user = plexId === null ? null : ((await this.deps.users.list()).find((u) => u.plexId === plexId) ?? null);
    const pendingByServer = new Map(done.map((d) => [d.share.machineIdentifier, d.account.pending]));
    const shares = (await this.deps.store.read((r) => r.invites.findById(inviteId)))!.shares.map((s) => ({
      machineIdentifier: s.machineIdentifier,
      serverName: s.serverName,
      shareId: s.shareId,
      libraries: s.libraries,
      pending: pendingByServer.get(s.machineIdentifier) ?? true,
    }));
    return { dryRun: false, invitedAs: invitee, plan: plan.name, endsAt, user, shares, missingLibraries, warnings };
  }

  /** Invites not accepted yet: plex.tv has no account for them, or the invitee has not accepted. */
  async pending(): Promise<PendingInvite[]> {
    return this.deps.store.read(async (r) => {
      const invites = await r.invites.listByStatus(['awaiting-account', 'attached']);
      const out: PendingInvite[] = [];
      for (const i of invites) {
        if (i.status === 'attached') {
          const shares = i.userId === null ? [] : await r.shares.listForUser(i.userId);
          const waiting = shares.filter((s) => s.pending && i.shares.some((x) => x.shareId === s.plexShareId));
          if (waiting.length === 0) continue;
          const user = i.plexId === null ? null : await r.users.findByPlexId(i.plexId);
          if (!user || user.removedAt) continue;
          out.push({ id: i.id, invitedAs: i.invitedAs, plan: i.planName, plexId: i.plexId, title: user.title, status: 'awaiting-acceptance', servers: waiting.map((s) => s.serverName), invitedAt: i.createdAt });
        } else {
          out.push({ id: i.id, invitedAs: i.invitedAs, plan: i.planName, plexId: null, title: null, status: 'awaiting-account', servers: i.shares.map((s) => s.serverName), invitedAt: i.createdAt });
        }
      }
      return out;
    });
  }

  /** The pending invite of one user (for their card), or null. */
  async pendingFor(plexId: number): Promise<PendingInvite | null> {
    return (await this.pending()).find((p) => p.plexId === plexId) ?? null;
  }

  /**
   * Cancels a pending invite: each of its shares is unshared on plex.tv (through the outbox, a
   * share already gone counts as done), the invite is marked cancelled and its user removed.
   */
  async cancel(plexIdOrEmail: string): Promise<CancelResult> {
    const typed = plexIdOrEmail.trim();
    const now = this.deps.clock.now();
    const invite = (await this.pending()).find((p) => (p.plexId !== null && String(p.plexId) === typed) || sameName(p.invitedAs, typed));
    if (!invite) throw new NotFoundError(`no pending invite for "${typed}": see \`invite list\` (an accepted invite is removed like any user)`);
    const row = (await this.deps.store.read((r) => r.invites.findById(invite.id)))!;
    const who = row.invitedAs;
    await this.deps.store.transaction(async (r) => {
      for (const s of row.shares) {
        await r.outbox.enqueue(
          { key: UNSHARE_KEY(row.id, s.machineIdentifier), kind: 'plex-unshare', userId: row.userId, target: s.machineIdentifier, payload: JSON.stringify({ shareId: s.shareId, user: who, serverName: s.serverName }), reason: `cancel the invite of ${who}` },
          now,
        );
      }
    });
    const items = (await this.outbox.pending('plex-unshare')).filter((i) => i.key.startsWith(`invite:${row.id}:`));
    const unshared: string[] = [];
    const alreadyGone: string[] = [];
    const problems: string[] = [];
    for (const item of items) {
      const p = JSON.parse(item.payload) as { shareId: number; user: string; serverName: string };
      let gone = false;
      let reason = '';
      const outcome = await this.outbox.perform(
        item,
        async () => {
          try {
            await this.deps.sharing().unshare({ machineIdentifier: item.target, serverName: p.serverName, shareId: p.shareId, user: p.user });
          } catch (error) {
            if (!(error instanceof PlexShareGoneError)) throw error;
            gone = true;
          }
        },
        (error) => {
          reason = describe(error, who, p.serverName);
          return judgeShare(error, reason);
        },
        now,
        undefined,
        1,
      );
      if (outcome.status === 'done') (gone ? alreadyGone : unshared).push(p.serverName);
      else problems.push(reason);
    }
    if (problems.length > 0) throw new InviteFailedError(problems, true, 'cancel');
    await this.deps.store.transaction(async (r) => {
      await r.invites.setStatus(row.id, 'cancelled', now);
      if (row.userId !== null) {
        await r.users.markRemoved([row.userId], now);
        const ids = new Set(row.shares.map((s) => s.shareId));
        await r.shares.deleteByIds((await r.shares.listForUser(row.userId)).filter((s) => ids.has(s.plexShareId)).map((s) => s.id));
      }
    });
    return { invitedAs: who, plexId: row.plexId, unshared, alreadyGone };
  }

  /** One share, or the existing one adopted with the plan's libraries when plex.tv says it exists. */
  private async share(item: OutboxItem): Promise<ShareDone> {
    const p = JSON.parse(item.payload) as SharePayload;
    const target = { machineIdentifier: item.target, serverName: p.serverName };
    try {
      const created = await this.deps.sharing().share({ ...target, invitee: { emailOrUsername: p.invitee }, librarySectionIds: p.librarySectionIds });
      return { share: { ...target, shareId: created.shareId, libraries: created.libraries }, account: created };
    } catch (error) {
      if (!(error instanceof PlexAlreadySharedError)) throw error;
    }
    const existing = (await this.deps.plex().getShares(item.target)).find((s) => sameName(s.email, p.invitee) || sameName(s.username, p.invitee));
    if (!existing) {
      throw new DomainError(`plex.tv says ${p.serverName} is already shared with ${p.invitee}, but lists no such share: check the friend on plex.tv`);
    }
    await this.deps.sharing().updateShare({ ...target, shareId: existing.shareId, user: p.invitee, librarySectionIds: p.librarySectionIds });
    return { share: { ...target, shareId: existing.shareId, libraries: p.libraries }, account: existing };
  }

  /** The invitee's account, when plex.tv lists one for the shares (answers without a userID). */
  private async findAccount(invite: InviteRow): Promise<ShareDone['account'] | null> {
    for (const s of invite.shares) {
      const share = (await this.deps.plex().getShares(s.machineIdentifier)).find((x) => x.shareId === s.shareId);
      if (share && share.plexUserId > 0) return share;
    }
    return null;
  }

  /** The member's role (reconcile of one user) and a welcome DM through the outbox, with a nonce. */
  private async welcome(invite: InviteRow, plexId: number | null, access: ResolvedServerAccess[]): Promise<string[]> {
    const warnings: string[] = [];
    let side: DiscordSide;
    try {
      side = this.deps.discord();
    } catch (error) {
      return [`the role and the welcome DM were not sent: ${(error as Error).message}`];
    }
    if (plexId !== null) {
      try {
        const result = await this.deps.reconcileUser(plexId);
        warnings.push(...result.failures.map((f) => `role: ${f.reason}`));
      } catch (error) {
        warnings.push(`role: ${(error as Error).message}`);
      }
    }
    const now = this.deps.clock.now();
    const text =
      `You're invited to ${access.map((a) => a.serverName).join(', ')} on Plex (plan ${invite.planName}, until ${day(invite.endsAt)}). ` +
      'Accept the invite from the e-mail Plex sent you, or in the Plex app under Settings → Friends.';
    const item = await this.deps.store.transaction((r) =>
      r.outbox.enqueue({ key: WELCOME_KEY(invite.id), kind: 'dm', userId: invite.userId, target: invite.discordId!, payload: text, reason: `welcome after the invite of ${invite.invitedAs}` }, now),
    );
    const items = item ? [item] : (await this.outbox.pending('dm')).filter((i) => i.key === WELCOME_KEY(invite.id));
    for (const dm of items) {
      let reason = '';
      const outcome = await this.outbox.perform(
        dm,
        (nonce) => side.port.sendDm(dm.target, dm.payload, { nonce }),
        (error) => {
          reason = (error as Error).message;
          const permanent = (error as { permanent?: boolean }).permanent;
          return permanent === false ? { status: 'pending', reason } : { status: 'failed', reason };
        },
        now,
      );
      if (outcome.status !== 'done') warnings.push(`welcome DM: ${reason}`);
    }
    return warnings;
  }
}

/**
 * Makes the invited account a user: created (standard) or found, the plan's payment, the
 * Discord member, the shares as pending, and the invite marked attached. Used right after the
 * invite and by the users sync when plex.tv first shows an account invited by e-mail.
 */
export async function attachInvite(
  r: Repositories,
  invite: InviteRow,
  account: Pick<PlexShare, 'plexUserId' | 'username' | 'email'> & { title?: string },
  machineIdentifiers: string[],
  defaultImportAs: UserClass,
  now: Date,
): Promise<number> {
  const plexId = account.plexUserId;
  let user = await r.users.findByPlexId(plexId);
  const plan = (await r.plans.list()).find((p) => p.id === invite.planId)!;
  if (!user) {
    const ids = await r.users.insertMany(
      [{ plexId, username: account.username, email: account.email, title: account.title ?? account.username ?? account.email ?? invite.invitedAs, thumb: null, home: false, userClass: 'standard' }],
      now,
    );
    const id = ids.get(plexId)!;
    await r.payments.insertMany(
      [{ userId: id, planId: plan.id, startsAt: invite.startsAt, endsAt: invite.endsAt, amountCents: plan.priceCents, currency: plan.currency, subscriptionId: null, transactionId: null, source: 'manual', isDefault: true }],
      now,
    );
    // The admin chose the plan and the member when inviting: nothing left to review.
    await r.users.updateProfile(id, { paypalEmail: null, discordId: invite.discordId, discordUsername: null }, now);
    await r.users.markPaymentReviewed(id, now);
    user = (await r.users.findByPlexId(plexId))!;
  } else {
    if (user.removedAt) await r.users.updatePlexFields([user], now);
    await r.payments.insertMany(
      [{ userId: user.id, planId: plan.id, startsAt: invite.startsAt, endsAt: invite.endsAt, amountCents: plan.priceCents, currency: plan.currency, subscriptionId: null, transactionId: null, source: 'manual', isDefault: false }],
      now,
    );
    if (invite.discordId && user.discordId !== invite.discordId) {
      await r.users.updateProfile(user.id, { paypalEmail: user.paypalEmail, discordId: invite.discordId, discordUsername: user.discordId === invite.discordId ? user.discordUsername : null }, now);
    }
  }
  const servers = new Map((await r.servers.list()).map((s) => [s.machineIdentifier, s]));
  const missing = invite.shares.filter((s) => !servers.has(s.machineIdentifier) && machineIdentifiers.includes(s.machineIdentifier));
  if (missing.length > 0) {
    await r.servers.insert(missing.map((s) => ({ machineIdentifier: s.machineIdentifier, name: s.serverName, importAs: defaultImportAs })), now);
    for (const s of await r.servers.list()) servers.set(s.machineIdentifier, s);
  }
  await r.shares.upsertMany(
    invite.shares
      .filter((s) => servers.has(s.machineIdentifier))
      .map((s) => ({
        userId: user.id,
        serverId: servers.get(s.machineIdentifier)!.id,
        plexShareId: s.shareId,
        invitedAt: invite.createdAt,
        acceptedAt: null,
        pending: true,
        allLibraries: false,
        libraries: s.libraries,
      })),
    now,
  );
  await r.invites.setStatus(invite.id, 'attached', now, { userId: user.id });
  return plexId;
}

/** The invite an account plex.tv shows for the first time answers: by share id, else by the e-mail or username invited. */
export function matchInvite(invites: InviteRow[], user: Pick<PlexUser, 'servers' | 'email' | 'username'>): InviteRow | undefined {
  // Asked for every user a sync meets for the first time (10,000 on a first import), nearly always with no invite waiting.
  if (invites.length === 0) return undefined;
  const shareIds = new Set(user.servers.map((s) => s.shareId));
  return (
    invites.find((i) => i.shares.some((s) => shareIds.has(s.shareId))) ??
    invites.find((i) => sameName(user.email, i.invitedAs) || sameName(user.username, i.invitedAs))
  );
}

/** One line per share (or unshare) that did not happen, each naming the user and the server. */
export class InviteFailedError extends DomainError {
  constructor(
    readonly lines: string[],
    /** Worth running again (plex.tv busy or down): the same command resumes where it stopped. */
    readonly retryable: boolean,
    action: 'invite' | 'cancel' = 'invite',
  ) {
    super(
      `${lines.join('\n')}\n` +
        (retryable
          ? `Nothing else was recorded; run the same ${action === 'invite' ? 'invite' : 'cancel'} again to finish it.`
          : action === 'invite'
            ? 'The invite was not recorded (no user, no payment).'
            : 'The invite stays pending.'),
    );
  }
}

function judgeShare(error: unknown, reason: string): OutboxOutcome {
  // A bad token fails every call alike: the entry stays pending and the run stops here.
  if (error instanceof PlexAuthError) return { status: 'pending', reason };
  if (error instanceof PlexRateLimitedError || error instanceof PlexNetworkError || error instanceof PlexTimeoutError) return { status: 'pending', reason };
  if (error instanceof PlexShareRequestError && (error.status ?? 0) >= 500) return { status: 'pending', reason };
  if (error instanceof PlexError || error instanceof DomainError) return { status: 'failed', reason };
  // Anything else (a bug, a crash of the process) may have reached plex.tv: leave it to resume.
  throw error;
}

function describe(error: unknown, user: string, server: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PlexNotFoundError) return `${server} is not one of your servers on plex.tv (404) while inviting ${user}: check the plan's access settings`;
  if (error instanceof PlexAuthError) return `could not share ${server} with ${user}: ${message}`;
  if (error instanceof PlexError && message.includes(user) && message.includes(server)) return message;
  return `could not share ${server} with ${user}: ${message}`;
}

function sameName(a: string | null | undefined, b: string): boolean {
  return !!a && a.trim().toLowerCase() === b.trim().toLowerCase();
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}
