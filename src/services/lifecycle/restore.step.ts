import { PlexAuthError } from '../../plex/errors';
import { Outbox, type OutboxItem, type OutboxOutcome } from '../outbox';
import { describeWrite, type AccessOutcome, type PlexAccessService, type UserAccessPlan } from '../plex-access.service';
import { asGuildError, type DiscordSide, type RunContext } from './context';
import { clip } from './messages';
import type { UserEvaluation } from './rules';

/** The outbox key of a restored user's DM: one per payment that brought them back. */
const RESTORED_DM_PREFIX = 'plex-restored:';

/**
 * Access follows payments: users the lifecycle removed who paid again get their plan's servers
 * and libraries back (and a DM saying to accept the new invite in Plex), and users whose plan
 * changed get its libraries. Runs after the removal step in every run, and right after an import
 * or an admin's edit. A plex.tv failure leaves the user marked (`plex_access_error`), retried by
 * the next run; the admin is told when it first fails, not at every retry.
 */
/** Whether a "your access is back" DM is still waiting to be sent (followPlexAccess sends it). */
export async function restoredDmsWaiting(ctx: RunContext): Promise<boolean> {
  return (await new Outbox(ctx.store).pending('dm')).some((item) => item.key.startsWith(RESTORED_DM_PREFIX));
}

export async function followPlexAccess(
  ctx: RunContext,
  access: PlexAccessService,
  discord: () => DiscordSide | null,
  evaluations: UserEvaluation[],
): Promise<void> {
  let plans: UserAccessPlan[];
  try {
    plans = await access.plan(evaluations);
  } catch (error) {
    ctx.report.failed(null, 'plex-restore', `cannot work out the plans' access on Plex: ${(error as Error).message}`);
    return;
  }
  if (ctx.dryRun) {
    for (const plan of plans) {
      if (plan.error) ctx.report.failed(plan.user.plexId, actionOf(plan), plan.error);
      else if (plan.writes.length > 0 || plan.restore) ctx.report.done({ plexId: plan.user.plexId, title: plan.user.title, action: actionOf(plan), detail: detailOf(plan, plan.writes) });
    }
    return;
  }
  const leftovers = (await new Outbox(ctx.store).pending('dm')).filter((item) => item.key.startsWith(RESTORED_DM_PREFIX));
  if (plans.length === 0 && leftovers.length === 0) return;
  let outcomes: Array<AccessOutcome & { dm?: OutboxItem }> = [];
  try {
    outcomes = await access.applyAll(plans, (plan) => restoredDm(plan), ctx.signal);
  } catch (error) {
    if (!(error instanceof PlexAuthError)) throw error;
    ctx.report.failed(null, 'plex-restore', error.message);
    ctx.report.alert(`I cannot change shares on plex.tv: ${error.message}. Users waiting for their access stay marked and are retried at the next run.`);
  }
  const dms: OutboxItem[] = [...leftovers];
  for (const outcome of outcomes) {
    const { plan } = outcome;
    const { user } = plan;
    if (outcome.status === 'done') {
      if (outcome.done.length > 0 || plan.restore) ctx.report.done({ plexId: user.plexId, title: user.title, action: actionOf(plan), detail: detailOf(plan, outcome.done) });
      if (outcome.dm) dms.push(outcome.dm);
      continue;
    }
    const what = plan.restore ? 'restore' : 'change';
    ctx.report.failed(user.plexId, actionOf(plan), `${outcome.reason} (still to ${what}: retried next run)`);
    if (outcome.firstFailure) {
      ctx.report.alert(`Could not ${plan.restore ? 'give back' : 'change'} ${user.title}'s access on Plex (${plan.planName}): ${outcome.reason}. I retry at every lifecycle run and tell you once it works.`);
    }
  }
  if (dms.length > 0) {
    const plexIds = new Map(evaluations.map((e) => [e.user.id, e.user.plexId]));
    await sendDms(ctx, discord, dms, (userId) => (userId === null ? null : (plexIds.get(userId) ?? null)));
  }
}

function actionOf(plan: UserAccessPlan): 'plex-restore' | 'plex-access' {
  return plan.restore ? 'plex-restore' : 'plex-access';
}

function detailOf(plan: UserAccessPlan, writes: UserAccessPlan['writes']): string {
  const parts = writes.map(describeWrite);
  if (plan.restore && parts.length === 0) parts.push('shares already in place');
  if (plan.missingLibraries.length > 0) parts.push(`missing libraries: ${plan.missingLibraries.join(', ')}`);
  return parts.join('; ');
}

function restoredDm(plan: UserAccessPlan): { key: string; text: string } | null {
  if (!plan.user.discordId) return null;
  const servers = [...new Set(plan.writes.filter((w) => w.action !== 'unshare').map((w) => w.serverName))];
  const where = servers.length > 0 ? servers.join(', ') : 'the Plex server';
  const key = `${RESTORED_DM_PREFIX}${plan.user.id}:${plan.paymentId}`;
  // Reduced to the renew libraries, never removed: their shares were changed, not ended, so no new invite to accept.
  if (plan.user.plexRemovedAt === null) {
    return { key, text: clip(`Hi ${plan.user.title}! Your payment for ${plan.planName} arrived, so your full access to ${where} is back.`) };
  }
  return {
    key,
    text: clip(
      `Hi ${plan.user.title}! Your payment for ${plan.planName} arrived, so your access to ${where} is back. ` +
        'Plex sends you a new invite: accept it again in the Plex app (or from the e-mail) to start watching.',
    ),
  };
}

/** The DMs go out like the notices: a nonce from the outbox key, so a retry never posts twice. */
async function sendDms(ctx: RunContext, discord: () => DiscordSide | null, items: OutboxItem[], plexIdOf: (userId: number | null) => number | null): Promise<void> {
  const side = discord();
  if (!side) {
    ctx.logger.info({ count: items.length }, 'plex access: "access is back" DMs kept for a run with Discord configured');
    return;
  }
  const outbox = new Outbox(ctx.store);
  for (const item of items) {
    const outcome = await outbox.perform(
      item,
      (nonce) => side.port.sendDm(item.target, item.payload, { nonce }),
      (raw): OutboxOutcome => {
        const failure = asGuildError(raw);
        if (failure.kind === 'unauthorized') throw failure;
        return failure.permanent ? { status: 'failed', reason: failure.message } : { status: 'pending', reason: failure.message };
      },
      ctx.now,
    );
    if (outcome.status !== 'done') {
      ctx.report.failed(plexIdOf(item.userId), 'access-dm', outcome.reason);
      ctx.logger.warn({ reason: outcome.reason }, 'plex access: "access is back" DM not sent');
    }
  }
}
