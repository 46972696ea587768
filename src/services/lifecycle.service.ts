import type { Clock } from '../config/clock';
import type { Logger } from '../config/logger';
import type { PlexTvApi } from '../plex/plex-tv.client';
import type { Store } from '../repositories/store';
import { DomainError, NotFoundError, SyncAlreadyRunningError } from './errors';
import { asGuildError, type DiscordSide, type RunContext } from './lifecycle/context';
import { sendNotices, type NoticeSettings } from './lifecycle/notices.step';
import { removeExpired } from './lifecycle/removal.step';
import { reduceToRenew } from './lifecycle/renew.step';
import { followPlexAccess } from './lifecycle/restore.step';
import type { PlexAccessService } from './plex-access.service';
import { adminSummary, RunReport, summaryLine, type LifecycleRunResult } from './lifecycle/report';
import { RoleApplier, recordMembership, syncRoles } from './lifecycle/roles.step';
import { daysUntil, evaluate, removalDue, removalPending, roleChanges, type UserEvaluation } from './lifecycle/rules';
import type { LockService } from './lock.service';
import { recordRun, RUN_LOCKS } from './recorded-run';
import type { SubscriptionStatusService } from './subscription-status.service';

export type { LifecycleFailure, LifecycleRunResult, LifecycleStep, LifecycleAction } from './lifecycle/report';
export type { DiscordSide } from './lifecycle/context';

export type LifecycleSettings = NoticeSettings;

export interface LifecycleDeps {
  store: Store;
  clock: Clock;
  locks: LockService;
  logger: Logger;
  statuses: SubscriptionStatusService;
  /** Built on first use; throws a ConfigError naming the missing variable. */
  discord: () => DiscordSide;
  plex: () => PlexTvApi;
  /** Shares follow payments: restores after removal, plan changes. */
  access: PlexAccessService;
  settings: LifecycleSettings;
}

export interface RunOptions {
  /** Work out what would be done; no Discord or plex.tv writes, no database writes. */
  dryRun?: boolean;
  /** Only with dryRun: apply the rules as on this date. */
  at?: Date;
  /** A scheduled run: post its summary (when something happened) to the admin channel under this name. */
  report?: string;
}

export interface ExpiringUser {
  plexId: number;
  title: string;
  username: string | null;
  discordId: string | null;
  plan: string | null;
  endsAt: string;
  daysLeft: number;
  /** On a recurring subscription: it may renew by itself (no reminders are sent). */
  recurring: boolean;
}

export interface RemovalCandidate {
  plexId: number;
  title: string;
  username: string | null;
  discordId: string | null;
  plan: string | null;
  endedAt: string;
  removeAt: string;
  /** The removal date has passed: the next run removes them (or failed to: see lastError). */
  overdue: boolean;
  servers: string[];
  markedAt: string | null;
  lastError: string | null;
}

export interface ExpiringReport {
  at: string;
  days: number;
  expiring: ExpiringUser[];
  dueForRemoval: RemovalCandidate[];
}

const LOCK_NAME = RUN_LOCKS.lifecycle;
const DAY_MS = 86_400_000;

export class LifecycleBusyError extends DomainError {
  constructor(readonly since: Date) {
    super(`the lifecycle job is already running (since ${since.toISOString()}), in this or another process`);
  }
}

/**
 * The subscription lifecycle (issue 4): subscriber roles, payment reminders, expiry notices and
 * removal from the Plex servers. Runs hold the 'lifecycle' lock, so two processes never act twice.
 */
export class LifecycleService {
  /** When each alert was last posted, and each job's last failures: not to repeat them (this process only). */
  private readonly alertsPosted = new Map<string, number>();
  private readonly failuresPosted = new Map<string, string>();

  constructor(private readonly deps: LifecycleDeps) {}

  /** Everything: roles, reminders, expiry notices, removals. */
  async run(options: RunOptions = {}): Promise<LifecycleRunResult> {
    return this.execute('lifecycle', options, async (ctx, discord, evaluations) => {
      await syncRoles(ctx, discord, evaluations);
      ctx.signal?.throwIfAborted();
      await sendNotices(ctx, () => discord, evaluations, this.deps.settings);
      ctx.signal?.throwIfAborted();
      await reduceToRenew(ctx, this.deps.access, evaluations);
      ctx.signal?.throwIfAborted();
      await removeExpired(ctx, this.deps.plex, evaluations);
      ctx.signal?.throwIfAborted();
      await followPlexAccess(ctx, this.deps.access, () => discord, evaluations);
    });
  }

  /**
   * Shares follow payments at once: after an import, an API sync or an admin's edit of a payment,
   * the users given (every user when none) whose plan grants access get it on plex.tv, restored
   * after a removal or changed with their plan. Not under the lifecycle lock, like reconcileUser:
   * each plex.tv write has its outbox key, so a run doing the same at the same time cannot do it
   * twice. Discord is optional here (a CLI without it): the DMs wait in the outbox for the next run.
   */
  async followPayments(plexIds?: number[]): Promise<LifecycleRunResult> {
    const now = this.deps.clock.now();
    const ctx = this.context(now, false);
    const wanted = plexIds ? new Set(plexIds) : null;
    const evaluations = (await this.deps.statuses.evaluateAll(now)).filter((e) => !wanted || wanted.has(e.user.plexId));
    let discord: DiscordSide | null = null;
    try {
      discord = this.deps.discord();
    } catch {
      discord = null;
    }
    await followPlexAccess(ctx, this.deps.access, () => discord, evaluations);
    if (discord) await this.announce(discord, ctx.report, undefined, evaluations);
    else for (const alert of ctx.report.alerts) this.deps.logger.warn({ alert }, 'plex access: alert (set the Discord variables to get it in Discord)');
    return ctx.report.result;
  }

  /** Roles only (the hourly job). */
  async syncRoles(options: RunOptions = {}): Promise<LifecycleRunResult> {
    return this.execute('lifecycle-roles', options, (ctx, discord, evaluations) => syncRoles(ctx, discord, evaluations));
  }

  /**
   * One user's roles and removal mark, right after an admin edited their profile, class or
   * payment. Not under the lock: role changes are idempotent, and an admin's edit must not wait
   * for (or fail because of) the daily run.
   */
  async reconcileUser(plexId: number): Promise<LifecycleRunResult> {
    const now = this.deps.clock.now();
    const discord = this.deps.discord();
    const user = await this.deps.store.read((r) => r.subscriptions.loadOne(plexId));
    if (!user) throw new NotFoundError(`no user with plex.tv id ${plexId}`);
    const evaluation = evaluate(user, now, this.deps.settings.removeAfterDays);
    const ctx = this.context(now, false);
    if (user.plexRemovalDueAt && !removalDue(evaluation, now)) {
      await this.deps.store.read((r) => r.subscriptions.clearRemovalDue([user.id]));
    }
    if (!user.discordId) return ctx.report.result;
    let member;
    try {
      member = await discord.port.getMember(user.discordId);
    } catch (raw) {
      ctx.report.failed(user.plexId, 'list-members', asGuildError(raw).message);
      return ctx.report.result;
    }
    if (!member) {
      if (roleChanges(evaluation, new Set(), discord).some((c) => c.action === 'add')) {
        ctx.report.failed(user.plexId, 'add-role', 'not a member of the Discord server (unknown member, 10007)');
      }
      await recordMembership(ctx, [user], []);
      return ctx.report.result;
    }
    const applier = new RoleApplier(ctx, discord);
    let missing = false;
    for (const change of roleChanges(evaluation, new Set(member.roles), discord)) {
      if ((await applier.apply(evaluation, change)) === 'missing') {
        missing = true;
        break;
      }
    }
    await recordMembership(ctx, missing ? [user] : [], missing ? [] : [user]);
    return ctx.report.result;
  }

  /** Users whose access ends within `days`, and expired users whose shares go within `days` (or are overdue). */
  async expiring(days: number, at?: Date): Promise<ExpiringReport> {
    const now = at ?? this.deps.clock.now();
    const horizon = now.getTime() + days * DAY_MS;
    const evaluations = await this.deps.statuses.evaluateAll(now);
    const expiring: ExpiringUser[] = [];
    const dueForRemoval: RemovalCandidate[] = [];
    for (const e of evaluations) {
      const { user, status } = e;
      if (user.userClass !== 'standard' || user.removedAt) continue;
      if (status.kind === 'active' && status.endsAt.getTime() <= horizon) {
        expiring.push({
          plexId: user.plexId,
          title: user.title,
          username: user.username,
          discordId: user.discordId,
          plan: e.currentPayment?.planName ?? null,
          endsAt: status.endsAt.toISOString(),
          daysLeft: daysUntil(status.endsAt, now),
          recurring: e.recurring,
        });
      }
      const removeAt = e.removeAt;
      if (status.kind === 'expired' && status.endedAt && removeAt && removalPending(e) && removeAt.getTime() <= horizon) {
        dueForRemoval.push({
          plexId: user.plexId,
          title: user.title,
          username: user.username,
          discordId: user.discordId,
          plan: e.endedPayment?.planName ?? null,
          endedAt: status.endedAt.toISOString(),
          removeAt: removeAt.toISOString(),
          overdue: removeAt.getTime() <= now.getTime(),
          servers: user.shares.map((s) => s.serverName),
          markedAt: user.plexRemovalDueAt?.toISOString() ?? null,
          lastError: user.plexRemovalError,
        });
      }
    }
    expiring.sort((a, b) => a.endsAt.localeCompare(b.endsAt) || a.title.localeCompare(b.title));
    dueForRemoval.sort((a, b) => a.removeAt.localeCompare(b.removeAt) || a.title.localeCompare(b.title));
    return { at: now.toISOString(), days, expiring, dueForRemoval };
  }

  /** A run that is not a dry run is recorded in sync_runs under `kind` (the status shows the last one). */
  private async execute(
    kind: 'lifecycle' | 'lifecycle-roles',
    options: RunOptions,
    steps: (ctx: RunContext, discord: DiscordSide, evaluations: UserEvaluation[]) => Promise<void>,
  ): Promise<LifecycleRunResult> {
    const dryRun = options.dryRun === true;
    if (options.at && !dryRun) throw new DomainError('a run "at" another date is only possible as a dry run');
    const discord = this.deps.discord();
    const work = async (signal?: AbortSignal) => {
      const now = options.at ?? this.deps.clock.now();
      const ctx = { ...this.context(now, dryRun), signal };
      const evaluations = await this.deps.statuses.evaluateAll(now);
      try {
        await steps(ctx, discord, evaluations);
      } finally {
        if (!dryRun) await this.announce(discord, ctx.report, options.report, evaluations);
      }
      this.deps.logger.debug({ dryRun, failures: ctx.report.result.failures.length }, `lifecycle: ${summaryLine(ctx.report.result)}`);
      return ctx.report.result;
    };
    if (dryRun) return work();
    try {
      return await this.deps.locks.withLock(LOCK_NAME, ({ signal }) => recordRun(this.deps, kind, () => work(signal), runCounts));
    } catch (error) {
      if (error instanceof SyncAlreadyRunningError) throw new LifecycleBusyError(error.since);
      throw error;
    }
  }

  private context(now: Date, dryRun: boolean): RunContext {
    return { now, dryRun, report: new RunReport(now, dryRun), store: this.deps.store, logger: this.deps.logger };
  }

  /**
   * One alert for what the admin must fix in Discord (the same alert at most once a day); for
   * scheduled runs, a summary when something was done or the failures changed, so an hourly job
   * that meets the same problem does not repeat itself every hour.
   */
  private async announce(discord: DiscordSide, report: RunReport, jobName: string | undefined, evaluations: UserEvaluation[]): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const alerts = report.alerts.filter((a) => now - (this.alertsPosted.get(a) ?? -Infinity) >= DAY_MS);
    const messages: string[] = [];
    if (alerts.length > 0) messages.push(`**Lifecycle needs you**\n${alerts.map((a) => `- ${a}`).join('\n')}`);
    for (const a of alerts) this.alertsPosted.set(a, now);
    if (jobName) {
      const r = report.result;
      const failures = JSON.stringify(r.failures);
      const acted = r.rolesAdded + r.rolesRemoved + r.remindersSent + r.expiredNotified + r.removedFromPlex + r.reducedToRenew + r.restoredToPlex + r.plexAccessChanged > 0;
      if (acted || (r.failures.length > 0 && failures !== this.failuresPosted.get(jobName))) {
        messages.push(adminSummary(jobName, r, new Map(evaluations.map((e) => [e.user.plexId, e.user.title]))));
      }
      this.failuresPosted.set(jobName, failures);
    }
    if (messages.length === 0) return;
    if (!discord.adminChannelId) {
      for (const alert of alerts) this.deps.logger.warn({ alert }, 'lifecycle: alert (set DISCORD_ADMIN_CHANNEL_ID to get it in Discord)');
      return;
    }
    for (const text of messages) {
      try {
        await discord.port.postToChannel(discord.adminChannelId, text.slice(0, 2000));
      } catch (error) {
        this.deps.logger.warn({ reason: asGuildError(error).message }, 'lifecycle: cannot post to the admin channel');
      }
    }
  }
}

/** What a recorded lifecycle run keeps: its counters and how many things failed. */
function runCounts(r: LifecycleRunResult): Record<string, number> {
  return {
    rolesAdded: r.rolesAdded,
    rolesRemoved: r.rolesRemoved,
    remindersSent: r.remindersSent,
    expiredNotified: r.expiredNotified,
    removedFromPlex: r.removedFromPlex,
    reducedToRenew: r.reducedToRenew,
    restoredToPlex: r.restoredToPlex,
    plexAccessChanged: r.plexAccessChanged,
    failures: r.failures.length,
  };
}
