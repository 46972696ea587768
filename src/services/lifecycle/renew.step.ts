import { PlexAuthError } from '../../plex/errors';
import { describeWrite, type PlexAccessService, type UserAccessPlan } from '../plex-access.service';
import type { RunContext } from './context';
import type { UserEvaluation } from './rules';

/**
 * Staged expiry: an expired user on a plan with a renew stage keeps only its renew libraries
 * (a "how to renew" poster) once the grace days are over, and is removed its days later by the
 * removal step. Through the outbox like every plex.tv write; a failure leaves the user unreduced
 * (and `plex_access_error` set), so the next run retries with the same keys.
 */
export async function reduceToRenew(ctx: RunContext, access: PlexAccessService, evaluations: UserEvaluation[]): Promise<void> {
  let plans: UserAccessPlan[];
  try {
    plans = await access.planRenew(evaluations, ctx.now);
  } catch (error) {
    ctx.report.failed(null, 'plex-reduce', `cannot work out the plans' renew libraries: ${(error as Error).message}`);
    return;
  }
  if (plans.length === 0) return;
  const days = new Map(evaluations.map((e) => [e.user.id, e.renewDays]));
  if (ctx.dryRun) {
    for (const plan of plans) {
      if (plan.error) ctx.report.failed(plan.user.plexId, 'plex-reduce', plan.error);
      else ctx.report.done({ plexId: plan.user.plexId, title: plan.user.title, action: 'plex-reduce', detail: `would reduce to renew libraries: ${detailOf(plan, plan.writes, days.get(plan.user.id))}` });
    }
    return;
  }
  let outcomes: Awaited<ReturnType<PlexAccessService['applyAll']>> = [];
  try {
    outcomes = await access.applyAll(plans, undefined, ctx.signal);
  } catch (error) {
    if (!(error instanceof PlexAuthError)) throw error;
    ctx.report.failed(null, 'plex-reduce', error.message);
    ctx.report.alert(`I cannot change shares on plex.tv: ${error.message}. Users waiting for their access stay marked and are retried at the next run.`);
    return;
  }
  for (const outcome of outcomes) {
    const { plan } = outcome;
    if (outcome.status === 'done') {
      ctx.report.done({ plexId: plan.user.plexId, title: plan.user.title, action: 'plex-reduce', detail: `reduced to renew libraries: ${detailOf(plan, outcome.done, days.get(plan.user.id))}` });
      continue;
    }
    ctx.report.failed(plan.user.plexId, 'plex-reduce', `${outcome.reason} (still to reduce to the renew libraries: retried next run)`);
  }
}

function detailOf(plan: UserAccessPlan, writes: UserAccessPlan['writes'], days: number | null | undefined): string {
  const parts = writes.map(describeWrite);
  if (parts.length === 0) parts.push('shares already reduced');
  if (plan.missingLibraries.length > 0) parts.push(`missing libraries: ${plan.missingLibraries.join(', ')}`);
  if (days) parts.push(`removal ${days} day(s) later`);
  return parts.join('; ');
}
