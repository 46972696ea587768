import { createHash } from 'node:crypto';
import type { Clock } from '../config/clock';
import type { Logger } from '../config/logger';
import {
  PlexAlreadySharedError,
  PlexAuthError,
  PlexNetworkError,
  PlexNotFoundError,
  PlexRateLimitedError,
  PlexShareGoneError,
  PlexSharingError,
  PlexTimeoutError,
} from '../plex/errors';
import type { PlexSharingApi } from '../plex/plex-sharing.client';
import type { PlexTvApi } from '../plex/plex-tv.client';
import type { OutboxKind } from '../../entities';
import type { ShareFields } from '../repositories/shared-server.repository';
import type { Repositories, Store } from '../repositories/store';
import type { SubscriptionShare, SubscriptionUser } from '../repositories/subscription.repository';
import { reduceDue, type UserEvaluation } from './lifecycle/rules';
import type { OutboxIntent, OutboxItem, OutboxOutcome } from './outbox';
import type { PlanAccessService, ResolvedServerAccess } from './plan-access.service';

export type AccessAction = 'share' | 'update' | 'unshare';

/** One plex.tv write that brings a user's share of one server in line with their plan. */
export interface AccessWrite {
  action: AccessAction;
  machineIdentifier: string;
  serverName: string;
  librarySectionIds: number[];
  libraries: string[];
  allLibraries: boolean;
  /** update / unshare: the share as recorded (shared_servers row and plex.tv share id). */
  share: SubscriptionShare | null;
}

/** What one user's access needs: the writes, and whether it is a restore after the lifecycle's removal. */
export interface UserAccessPlan {
  user: SubscriptionUser;
  paymentId: number;
  planName: string;
  /** The lifecycle removed (or reduced) their shares and they paid again: they get a DM once it is done. */
  restore: boolean;
  /** 'full': the plan's access; 'renew': an expired user's shares reduced to the plan's renew libraries. */
  stage: 'full' | 'renew';
  writes: AccessWrite[];
  /** Library titles the plan names that a server no longer has: reported, never silently dropped. */
  missingLibraries: string[];
  /** The plan's access could not be worked out (plex.tv did not list a server's libraries). */
  error: string | null;
}

export type AccessOutcome =
  | { status: 'done'; plan: UserAccessPlan; done: AccessWrite[] }
  | { status: 'failed'; plan: UserAccessPlan; done: AccessWrite[]; reason: string; /** The first failure since the last success: the admin is told now. */ firstFailure: boolean };

/** The "access is back" DM of a restored user: its outbox key and text. */
export type DmMaker = (plan: UserAccessPlan) => { key: string; text: string } | null;

export interface PlexAccessDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  sharing: () => PlexSharingApi;
  plexTv: () => PlexTvApi;
  planAccess: PlanAccessService;
}

/** plex.tv's own limit is the client's (≤ 5 requests at once); this only keeps that many users in flight. */
const USERS_AT_ONCE = 5;

/** Users whose outbox entries are recorded in one transaction, and settled in one: ~10 statements for them all. */
const USERS_PER_BATCH = 100;

type OutboxEntryState = OutboxItem & { state: 'pending' | 'done' | 'failed'; failure: string | null };

/** One write performed: its entry, how it ended, and the share as plex.tv now has it (null after an unshare). */
interface Attempt {
  plan: UserAccessPlan;
  write: AccessWrite;
  entryId: number;
  outcome: OutboxOutcome;
  share: { plexShareId: number; invitedAt: Date | null; acceptedAt: Date | null; pending: boolean } | null;
}

/** The outbox intent of one write: its key names the user, server, action, stage, payment, share and libraries. */
function intentOf(plan: UserAccessPlan, write: AccessWrite): OutboxIntent {
  const { user } = plan;
  const kind: OutboxKind = write.action === 'share' ? 'plex-share' : write.action === 'update' ? 'plex-update' : 'plex-unshare';
  // The stage keeps a reduction apart from a plan change for the same payment and libraries.
  const stage = plan.stage === 'renew' ? ['renew'] : [];
  return {
    key: `${kind}:${user.id}:${hash([...stage, write.machineIdentifier, plan.paymentId, plan.planName, write.share?.plexShareId ?? '', ...write.librarySectionIds].join('|'))}`,
    kind,
    userId: user.id,
    target: write.machineIdentifier,
    payload: JSON.stringify({ plexId: user.plexId, shareId: write.share?.plexShareId ?? null, librarySectionIds: write.librarySectionIds }),
    reason: `${write.action} ${write.serverName} for ${user.title} (${plan.planName})`,
  };
}

/**
 * Keeps plex.tv shares in step with what a standard user pays for: a user with a current payment
 * on a plan that has access settings gets that plan's servers and libraries (shared, libraries
 * changed, servers the plan dropped unshared); a user the lifecycle removed gets them back. Only
 * servers some plan grants are ever touched; permanent users, users on a plan without access
 * settings, and users without a current payment are left alone.
 *
 * Every write goes through the outbox: recorded with a key naming the user, the server, the
 * action and the payment and libraries it is for, performed, then settled together with the
 * database's record of the share. A share created on plex.tv whose record was lost (a crash, an
 * answer that never came) is found on the retry ("already sharing", or looked up first) and
 * adopted, never created twice.
 */
export class PlexAccessService {
  constructor(private readonly deps: PlexAccessDeps) {}

  /** Whether any plan has access settings: without any, the app never creates or changes shares. */
  async managesAccess(): Promise<boolean> {
    return (await this.deps.store.read((r) => r.planAccess.listAll())).length > 0;
  }

  /** What each user's access needs; reads plex.tv (each plan's server libraries) only when some plan has access settings. */
  async plan(evaluations: UserEvaluation[]): Promise<UserAccessPlan[]> {
    const rows = await this.deps.store.read((r) => r.planAccess.listAll());
    if (rows.length === 0) return [];
    const managed = new Set(rows.map((r) => r.machineIdentifier));
    const plansWithAccess = new Set<number>(rows.map((r) => r.planId));
    const planIds = new Map((await this.deps.store.read((r) => r.plans.list())).map((p) => [p.name, p.id]));
    const resolved = new Map<string, Promise<ResolvedServerAccess[] | null>>();
    const resolve = (planName: string) => {
      let found = resolved.get(planName);
      if (!found) {
        found = this.deps.planAccess.resolve(planName);
        found.catch(() => undefined);
        resolved.set(planName, found);
      }
      return found;
    };
    const out: UserAccessPlan[] = [];
    for (const { user, status, currentPayment } of evaluations) {
      if (user.userClass !== 'standard' || user.removedAt || status.kind !== 'active' || !currentPayment) continue;
      const planId = planIds.get(currentPayment.planName);
      if (planId === undefined || !plansWithAccess.has(planId)) continue;
      const plan: UserAccessPlan = {
        user,
        paymentId: currentPayment.id,
        planName: currentPayment.planName,
        restore: user.plexRemovedAt !== null || user.plexReducedAt !== null,
        stage: 'full',
        writes: [],
        missingLibraries: [],
        error: null,
      };
      let access: ResolvedServerAccess[] | null;
      try {
        access = await resolve(currentPayment.planName);
      } catch (error) {
        plan.error = `cannot read what plan "${currentPayment.planName}" grants: ${(error as Error).message}`;
        out.push(plan);
        continue;
      }
      if (!access) continue;
      plan.writes = diff(user, access, managed);
      plan.missingLibraries = access.flatMap((a) => a.missingLibraries.map((t) => `${a.serverName}: ${t}`));
      if (plan.writes.length > 0 || plan.restore || user.plexAccessError) out.push(plan);
    }
    return out;
  }

  /**
   * Expired users whose plan has a renew stage and whose grace days are over: their shares go down
   * to the plan's renew libraries (shared or changed on the renew servers, every other server of
   * theirs unshared). Reads plex.tv (the renew servers' libraries) only when someone is due.
   */
  async planRenew(evaluations: UserEvaluation[], now: Date): Promise<UserAccessPlan[]> {
    const due = evaluations.filter((e) => e.user.userClass === 'standard' && e.endedPayment && reduceDue(e, now));
    if (due.length === 0) return [];
    const resolved = new Map<string, Promise<{ days: number; access: ResolvedServerAccess[] } | null>>();
    const out: UserAccessPlan[] = [];
    for (const { user, endedPayment } of due) {
      const planName = endedPayment!.planName;
      let found = resolved.get(planName);
      if (!found) {
        found = this.deps.planAccess.resolveRenew(planName);
        found.catch(() => undefined);
        resolved.set(planName, found);
      }
      const plan: UserAccessPlan = { user, paymentId: endedPayment!.id, planName, restore: false, stage: 'renew', writes: [], missingLibraries: [], error: null };
      try {
        const renew = await found;
        if (!renew) continue;
        // A renew server whose every title is gone keeps nothing: it is unshared like the others.
        const access = renew.access.filter((a) => a.librarySectionIds.length > 0);
        plan.writes = diff(user, access, new Set(user.shares.map((s) => s.machineIdentifier)));
        plan.missingLibraries = renew.access.flatMap((a) => a.missingLibraries.map((t) => `${a.serverName}: ${t}`));
      } catch (error) {
        plan.error = `cannot read what plan "${planName}" keeps while renewing: ${(error as Error).message}`;
      }
      out.push(plan);
    }
    return out;
  }

  /**
   * Performs every user's writes, a few users at a time; `signal` stops between users. The
   * database work is batched per USERS_PER_BATCH users: their outbox entries are recorded (and
   * marked as starting) in one transaction before any of their writes is performed, and settled
   * together with the share rows and the users' marks in one transaction after them. A crash in
   * between leaves the entries pending and marked as started: the retry looks on plex.tv before
   * creating a share, so none is created twice.
   */
  async applyAll(plans: UserAccessPlan[], dm?: DmMaker, signal?: AbortSignal): Promise<Array<AccessOutcome & { dm?: OutboxItem }>> {
    const outcomes: Array<AccessOutcome & { dm?: OutboxItem }> = [];
    for (let i = 0; i < plans.length; i += USERS_PER_BATCH) {
      signal?.throwIfAborted();
      outcomes.push(...(await this.applyBatch(plans.slice(i, i + USERS_PER_BATCH), dm, signal)));
    }
    return outcomes;
  }

  /**
   * One user's writes in order, then the user's marks: a restore completed clears the removal
   * marks and queues the "access is back" DM (returned for the caller to send); a failure leaves
   * `plex_access_error` set, so the next run retries. A 401 is thrown: no other user would fare better.
   */
  async apply(plan: UserAccessPlan, dm?: DmMaker): Promise<AccessOutcome & { dm?: OutboxItem }> {
    return (await this.applyBatch([plan], dm))[0]!;
  }

  private async applyBatch(plans: UserAccessPlan[], dm?: DmMaker, signal?: AbortSignal): Promise<Array<AccessOutcome & { dm?: OutboxItem }>> {
    const now = this.deps.clock.now();
    const intents = new Map<AccessWrite, OutboxIntent>();
    for (const plan of plans) for (const write of plan.error ? [] : plan.writes) intents.set(write, intentOf(plan, write));
    // Recorded before performed: a pending entry with the same key (an earlier run's) is taken over.
    const entries: Map<string, OutboxEntryState> =
      intents.size === 0
        ? new Map()
        : await this.deps.store.transaction(async (r) => {
            const found = await r.outbox.enqueueMany([...intents.values()], now);
            const starting = [...found.values()].filter((e) => e.state === 'pending').map((e) => e.id);
            if (starting.length > 0) await r.outbox.markStarting(starting, now);
            return found;
          });

    const attempts: Attempt[] = [];
    const results = new Map<UserAccessPlan, { done: AccessWrite[]; reason: string | null }>();
    let fatal: { error: unknown; plan: UserAccessPlan } | undefined;
    let next = 0;
    const worker = async () => {
      while (next < plans.length && fatal === undefined && !signal?.aborted) {
        const plan = plans[next++]!;
        const result = { done: [] as AccessWrite[], reason: plan.error };
        results.set(plan, result);
        for (const write of plan.error ? [] : plan.writes) {
          const entry = entries.get(intents.get(write)!.key)!;
          if (entry.state === 'done') {
            result.done.push(write);
            continue;
          }
          if (entry.state === 'failed') {
            result.reason = `${write.serverName}: ${entry.failure ?? 'refused by plex.tv'}`;
            break;
          }
          const attempt: Attempt = { plan, write, entryId: entry.id, outcome: { status: 'done' }, share: null };
          attempts.push(attempt);
          try {
            attempt.share = await this.write(plan.user, write, entry.attempts > 0 || entry.lastAttemptAt !== null);
          } catch (error) {
            try {
              attempt.outcome = judge(error);
            } catch (thrown) {
              attempt.outcome = { status: 'pending', reason: thrown instanceof Error ? thrown.message : String(thrown) };
              fatal ??= { error: thrown, plan };
              return;
            }
          }
          if (attempt.outcome.status === 'done') result.done.push(write);
          else {
            result.reason = `${write.serverName}: ${attempt.outcome.reason}`;
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(USERS_AT_ONCE, plans.length) }, worker));

    const finished = plans.filter((p) => results.has(p) && p !== fatal?.plan);
    const dmItems = await this.deps.store.transaction(async (r) => {
      await this.settle(r, attempts, now);
      const restored: number[] = [];
      const reduced: number[] = [];
      const cleared: number[] = [];
      const items = new Map<UserAccessPlan, OutboxItem>();
      for (const plan of finished) {
        const { user } = plan;
        const { reason } = results.get(plan)!;
        if (reason !== null) {
          await r.subscriptions.setPlexAccessError(user.id, reason);
          continue;
        }
        if (plan.stage === 'renew') reduced.push(user.id);
        else if (plan.restore) restored.push(user.id);
        else if (user.plexAccessError) cleared.push(user.id);
        const message = plan.restore && user.discordId && dm ? dm(plan) : null;
        if (!message) continue;
        const item = await r.outbox.enqueue({ key: message.key, kind: 'dm', userId: user.id, target: user.discordId!, payload: message.text, reason: 'DM: access to Plex restored' }, now);
        if (item) items.set(plan, item);
      }
      if (fatal && fatal.error instanceof PlexAuthError) await r.subscriptions.setPlexAccessError(fatal.plan.user.id, fatal.error.message);
      if (restored.length > 0) await r.subscriptions.completeRestoreMany(restored);
      if (reduced.length > 0) await r.subscriptions.markReducedMany(reduced, now);
      if (cleared.length > 0) await r.subscriptions.clearPlexAccessErrors(cleared);
      return items;
    });
    if (fatal !== undefined) throw fatal.error;
    if (results.size < plans.length) signal?.throwIfAborted();

    const outcomes: Array<AccessOutcome & { dm?: OutboxItem }> = [];
    for (const plan of finished) {
      const { user } = plan;
      const { done, reason } = results.get(plan)!;
      if (reason !== null) {
        const what = plan.stage === 'renew' ? 'reduction to the renew libraries' : plan.restore ? 'restore' : 'plan change';
        this.deps.logger.warn({ plexId: user.plexId, reason }, `plex access: ${what} of ${user.title} failed (retried next run)`);
        outcomes.push({ status: 'failed', plan, done, reason, firstFailure: user.plexAccessError === null });
        continue;
      }
      const item = dmItems.get(plan);
      outcomes.push({ status: 'done', plan, done, ...(item ? { dm: item } : {}) });
    }
    return outcomes;
  }

  /** The attempts' outbox entries settled, with the database's record of each share in the same transaction. */
  private async settle(r: Repositories, attempts: Attempt[], now: Date): Promise<void> {
    const done = attempts.filter((a) => a.outcome.status === 'done');
    const pending = attempts.filter((a) => a.outcome.status === 'pending');
    if (done.length > 0) await r.outbox.markDoneMany(done.map((a) => a.entryId), now);
    if (pending.length > 0) await r.outbox.markAttemptedMany(pending.map((a) => a.entryId), now);
    for (const a of attempts) if (a.outcome.status === 'failed') await r.outbox.markFailed(a.entryId, a.outcome.reason, now);
    const unshared = done.filter((a) => a.write.action === 'unshare' && a.write.share).map((a) => a.write.share!.id);
    if (unshared.length > 0) await r.shares.deleteByIds(unshared);
    const kept = done.filter((a) => a.write.action !== 'unshare' && a.share);
    if (kept.length === 0) return;
    const servers = new Map((await r.servers.list()).map((s) => [s.machineIdentifier, s.id]));
    const rows: ShareFields[] = [];
    for (const { plan, write, share } of kept) {
      const serverId = servers.get(write.machineIdentifier);
      // A server the shares sync has not seen yet: that sync records the share when it does.
      if (serverId === undefined) continue;
      const previous = write.share && write.share.plexShareId === share!.plexShareId ? write.share : null;
      rows.push({
        userId: plan.user.id,
        serverId,
        plexShareId: share!.plexShareId,
        invitedAt: share!.invitedAt ?? (previous ? null : now),
        acceptedAt: share!.acceptedAt,
        pending: share!.pending,
        allLibraries: write.allLibraries,
        libraries: write.libraries,
      });
    }
    if (rows.length > 0) await r.shares.upsertMany(rows, now);
  }

  /** The plex.tv side of one write; answers the share as it now stands (null after an unshare). */
  private async write(user: SubscriptionUser, write: AccessWrite, retried: boolean) {
    const sharing = this.deps.sharing();
    const who = user.username ?? user.title;
    const target = { machineIdentifier: write.machineIdentifier, serverName: write.serverName };
    const adopt = async (shareId: number, found: { invitedAt: Date | null; acceptedAt: Date | null; pending: boolean }) => {
      await sharing.updateShare({ ...target, shareId, user: who, librarySectionIds: write.librarySectionIds });
      return { plexShareId: shareId, invitedAt: found.invitedAt, acceptedAt: found.acceptedAt, pending: found.pending };
    };
    const share = async () => {
      // An earlier attempt may have created it with its answer lost: look before creating another.
      if (retried) {
        const found = await this.findShare(user, write.machineIdentifier);
        if (found) return adopt(found.shareId, found);
      }
      try {
        const created = await sharing.share({ ...target, invitee: { accountId: user.plexId }, librarySectionIds: write.librarySectionIds });
        return { plexShareId: created.shareId, invitedAt: created.invitedAt, acceptedAt: created.acceptedAt, pending: created.pending };
      } catch (error) {
        if (!(error instanceof PlexAlreadySharedError)) throw error;
        const found = await this.findShare(user, write.machineIdentifier);
        if (!found) throw error;
        return adopt(found.shareId, found);
      }
    };
    if (write.action === 'share') return share();
    const current = write.share!;
    if (write.action === 'update') {
      try {
        return await adopt(current.plexShareId, { invitedAt: null, acceptedAt: null, pending: current.pending });
      } catch (error) {
        // The share went (declined, unshared by hand): the plan still grants the server.
        if (error instanceof PlexShareGoneError) return share();
        throw error;
      }
    }
    try {
      await sharing.unshare({ ...target, shareId: current.plexShareId, user: who });
    } catch (error) {
      if (!(error instanceof PlexShareGoneError)) throw error;
    }
    return null;
  }

  private async findShare(user: SubscriptionUser, machineIdentifier: string) {
    const shares = await this.deps.plexTv().getShares(machineIdentifier);
    return shares.find((s) => s.plexUserId === user.plexId) ?? null;
  }
}

/** The writes from the recorded shares to what the plan grants; only servers some plan grants are unshared. */
function diff(user: SubscriptionUser, access: ResolvedServerAccess[], managed: ReadonlySet<string>): AccessWrite[] {
  const writes: AccessWrite[] = [];
  const wanted = new Set(access.map((a) => a.machineIdentifier));
  for (const a of access) {
    // Every title the plan names is gone from the server: nothing to share (reported as missing).
    if (a.librarySectionIds.length === 0) continue;
    const share = user.shares.find((s) => s.machineIdentifier === a.machineIdentifier) ?? null;
    const base = { machineIdentifier: a.machineIdentifier, serverName: a.serverName, librarySectionIds: a.librarySectionIds, libraries: a.libraries, allLibraries: a.allLibraries };
    if (!share) writes.push({ action: 'share', ...base, share: null });
    else if (!sameLibraries(share, a)) writes.push({ action: 'update', ...base, share });
  }
  for (const share of user.shares) {
    if (managed.has(share.machineIdentifier) && !wanted.has(share.machineIdentifier)) {
      writes.push({ action: 'unshare', machineIdentifier: share.machineIdentifier, serverName: share.serverName, librarySectionIds: [], libraries: [], allLibraries: false, share });
    }
  }
  return writes;
}

function sameLibraries(share: SubscriptionShare, access: ResolvedServerAccess): boolean {
  if (access.allLibraries && share.allLibraries) return true;
  const have = new Set(share.libraries);
  return have.size === access.libraries.length && access.libraries.every((t) => have.has(t));
}

/** Retrying helps after a 429, a 5xx or a lost connection; plex.tv's other refusals stand. */
function judge(error: unknown): OutboxOutcome {
  if (error instanceof PlexAuthError) throw error;
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof PlexRateLimitedError || error instanceof PlexNetworkError || error instanceof PlexTimeoutError) return { status: 'pending', reason };
  if (error instanceof PlexSharingError && error.status !== null && error.status < 500) return { status: 'failed', reason };
  if (error instanceof PlexNotFoundError) return { status: 'failed', reason };
  return { status: 'pending', reason };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

/** "share Living Room (Movies, TV Shows)": one write, for reports. */
export function describeWrite(write: AccessWrite): string {
  if (write.action === 'unshare') return `unshare ${write.serverName}`;
  const libraries = write.allLibraries ? 'all libraries' : write.libraries.join(', ');
  return `${write.action === 'share' ? 'share' : 'change libraries on'} ${write.serverName} (${libraries})`;
}
