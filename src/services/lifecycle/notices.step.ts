import type { NoticeKind } from '../../../entities';
import type { NoticeKey, NoticeRow } from '../../repositories/notice.repository';
import type { SubscriptionPayment } from '../../repositories/subscription.repository';
import { asGuildError, type DiscordSide, type RunContext } from './context';
import { formatDay, renderTemplate } from './messages';
import { daysUntil, DAY_MS, dueReminderThreshold, type UserEvaluation } from './rules';

export interface NoticeSettings {
  reminderDays: number[];
  removeAfterDays: number;
  reminderTemplate: string;
  expiredTemplate: string;
  timeZone: string;
}

interface Candidate {
  evaluation: UserEvaluation;
  payment: SubscriptionPayment;
  key: NoticeKey;
}

/**
 * Payment reminders and expiry notices, each at most once per (payment, kind, threshold, end).
 * The notice is claimed in the database (an insert the unique key arbitrates) before the DM goes
 * out: two processes, or a restart halfway, can never send one twice. If the DM fails for a reason
 * that retrying will not fix (DMs closed), the claim stays with the failure; if Discord was
 * unavailable the claim is released and the next run tries again, if still due. A process that
 * dies between claim and send loses the notices claimed and not yet sent (at most CLAIM_BATCH):
 * at most once, never twice. Claims are committed CLAIM_BATCH at a time and deliveries marked in
 * one batch at the end (the claim alone is what prevents a second send), so a burst of DMs does not
 * cost a commit each.
 */
export async function sendNotices(ctx: RunContext, discord: () => DiscordSide, evaluations: UserEvaluation[], settings: NoticeSettings): Promise<void> {
  const candidates = findCandidates(ctx.now, evaluations, settings.reminderDays);
  if (candidates.length === 0) return;
  const existing = await ctx.store.read((r) => r.notices.findForPayments(candidates.map((c) => c.payment.id)));
  const pending = candidates.filter((c) => !alreadyCovered(c.key, existing));
  if (pending.length === 0) return;
  const side = discord();
  const marks: Marks = { delivered: [], dmsClosed: [], dmsOpen: [] };
  try {
    for (let i = 0; i < pending.length; i += CLAIM_BATCH) {
      const batch = pending.slice(i, i + CLAIM_BATCH);
      if (ctx.dryRun) {
        for (const candidate of batch) report(ctx, candidate);
        continue;
      }
      // One transaction claims the batch; a key another process holds already answers null.
      const claims = await ctx.store.transaction(async (r) => {
        const ids: Array<number | null> = [];
        for (const c of batch) ids.push(await r.notices.claim(c.evaluation.user.id, c.key, ctx.now));
        return ids;
      });
      for (const [j, candidate] of batch.entries()) {
        const noticeId = claims[j];
        if (noticeId !== null && noticeId !== undefined) await sendOne(ctx, side, candidate, noticeId, settings, marks);
      }
    }
  } finally {
    if (!ctx.dryRun) await saveMarks(ctx, marks);
  }
}

/** What the DMs taught us, written in one go at the end of the step. */
interface Marks {
  delivered: number[];
  dmsClosed: number[];
  dmsOpen: number[];
}

/** How many notices one transaction claims before their DMs go out. */
const CLAIM_BATCH = 10;

function actionOf(candidate: Candidate): 'reminder' | 'expired-notice' {
  return candidate.key.kind === 'reminder' ? 'reminder' : 'expired-notice';
}

function report(ctx: RunContext, candidate: Candidate): void {
  const { user } = candidate.evaluation;
  const ends = candidate.payment.endsAt.toISOString().slice(0, 10);
  const detail = candidate.key.kind === 'reminder' ? `DM: ${candidate.key.thresholdDays}-day reminder (ends ${ends})` : `DM: subscription ended ${ends}`;
  ctx.report.done({ plexId: user.plexId, title: user.title, action: actionOf(candidate), detail });
}

async function sendOne(ctx: RunContext, side: DiscordSide, candidate: Candidate, noticeId: number, settings: NoticeSettings, marks: Marks): Promise<void> {
  const { user } = candidate.evaluation;
  const action = actionOf(candidate);
  try {
    await side.port.sendDm(user.discordId!, message(candidate, ctx.now, settings));
    marks.delivered.push(noticeId);
    report(ctx, candidate);
    if (user.dmsClosedAt) marks.dmsOpen.push(user.id);
  } catch (raw) {
    const error = asGuildError(raw);
    if (error.kind === 'unauthorized') {
      await ctx.store.read((r) => r.notices.release(noticeId));
      throw error;
    }
    if (error.permanent) await ctx.store.read((r) => r.notices.markFailed(noticeId, error.message));
    else await ctx.store.read((r) => r.notices.release(noticeId));
    if (error.kind === 'dms-closed') marks.dmsClosed.push(user.id);
    ctx.report.failed(user.plexId, action, error.message);
    ctx.logger.warn({ plexId: user.plexId, action, reason: error.message }, 'lifecycle: DM failed');
  }
}

async function saveMarks(ctx: RunContext, marks: Marks): Promise<void> {
  if (marks.delivered.length === 0 && marks.dmsClosed.length === 0 && marks.dmsOpen.length === 0) return;
  await ctx.store.read(async (r) => {
    if (marks.delivered.length > 0) await r.notices.markDelivered(marks.delivered, ctx.now);
    if (marks.dmsClosed.length > 0) await r.subscriptions.setDmsClosed(marks.dmsClosed, ctx.now);
    if (marks.dmsOpen.length > 0) await r.subscriptions.setDmsClosed(marks.dmsOpen, null);
  });
}

/** Standard users with a Discord ID who still share our servers (users gone from plex.tv get no DMs). */
function findCandidates(now: Date, evaluations: UserEvaluation[], reminderDays: number[]): Candidate[] {
  const out: Candidate[] = [];
  for (const evaluation of evaluations) {
    const { user } = evaluation;
    if (user.userClass !== 'standard' || !user.discordId || user.removedAt) continue;
    const threshold = dueReminderThreshold(evaluation, reminderDays, now);
    if (threshold !== null && evaluation.currentPayment) {
      out.push({ evaluation, payment: evaluation.currentPayment, key: key(evaluation.currentPayment, 'reminder', threshold) });
    }
    if (evaluation.endedPayment) out.push({ evaluation, payment: evaluation.endedPayment, key: key(evaluation.endedPayment, 'expired', 0) });
  }
  return out;
}

function key(payment: SubscriptionPayment, kind: NoticeKind, thresholdDays: number): NoticeKey {
  return { paymentId: payment.id, kind, thresholdDays, endsAt: payment.endsAt };
}

/** A reminder is covered by one at the same or a smaller threshold for the same end: reminders never go backwards. */
function alreadyCovered(wanted: NoticeKey, existing: NoticeRow[]): boolean {
  return existing.some(
    (n) =>
      n.paymentId === wanted.paymentId &&
      n.kind === wanted.kind &&
      n.endsAt.getTime() === wanted.endsAt.getTime() &&
      n.thresholdDays <= wanted.thresholdDays,
  );
}

function message(candidate: Candidate, now: Date, settings: NoticeSettings): string {
  const { evaluation, payment } = candidate;
  const removeAt = evaluation.removeAt ?? new Date(payment.endsAt.getTime() + settings.removeAfterDays * DAY_MS);
  const values = {
    name: evaluation.user.title,
    plan: payment.planName,
    endsAt: formatDay(payment.endsAt, settings.timeZone),
    removeAt: formatDay(removeAt, settings.timeZone),
    daysLeft: candidate.key.kind === 'reminder' ? daysUntil(payment.endsAt, now) : daysUntil(removeAt, now),
  };
  return renderTemplate(candidate.key.kind === 'reminder' ? settings.reminderTemplate : settings.expiredTemplate, values);
}
