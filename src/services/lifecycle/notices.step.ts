import type { NoticeKind } from '../../../entities';
import type { NoticeKey, NoticeRow } from '../../repositories/notice.repository';
import type { SubscriptionPayment, SubscriptionUser } from '../../repositories/subscription.repository';
import type { GuildPortError, LinkButton } from '../guild-port';
import { dmPayOptions, type DmPay } from '../pay.service';
import { Outbox, type OutboxItem, type OutboxOutcome } from '../outbox';
import { asGuildError, type DiscordSide, type RunContext } from './context';
import { formatDay, MAX_MESSAGE, renderTemplate } from './messages';
import { daysUntil, DAY_MS, dueReminderThreshold, type UserEvaluation } from './rules';

export interface NoticeSettings {
  reminderDays: number[];
  removeAfterDays: number;
  reminderTemplate: string;
  expiredTemplate: string;
  timeZone: string;
  /** Stripe is configured: the DMs point to /subscription for card payment. */
  payByCard?: boolean;
}

/** A DM as the outbox keeps it: plain text, or JSON when it carries buttons (older entries are plain text). */
interface DmPayload {
  content: string;
  buttons: LinkButton[];
}

interface Candidate {
  evaluation: UserEvaluation;
  payment: SubscriptionPayment;
  key: NoticeKey;
}

/** A claimed notice whose DM is in the outbox, not yet sent. */
interface Delivery {
  item: OutboxItem;
  noticeId: number;
  user: SubscriptionUser;
  action: 'reminder' | 'expired-notice';
  /** Left unsent by an earlier run (a crash, Discord down, a stop). */
  leftover: boolean;
}

/** The outbox key of a notice's DM: the notice row is the decision, the key says which. */
const NOTICE_KEY_PREFIX = 'payment-notice:';

/** How many notices one transaction claims before their DMs go out. */
const CLAIM_BATCH = 10;

/**
 * Payment reminders and expiry notices, each delivered exactly once per (payment, kind,
 * threshold, end). A notice is claimed in the database (an insert the unique key arbitrates) and
 * its DM written to the outbox in the same transaction; then the DM is sent with a nonce derived
 * from the outbox key (Discord's enforce_nonce returns the message a timed-out attempt created
 * instead of posting a second), and the outcome is committed at once. A DM that did not go out (Discord
 * down, 401, a crash or a stop mid-batch) stays pending in the outbox: the next run reports it and
 * sends it, if the notice is still due. DMs closed settle the notice as failed: not retried.
 */
export async function sendNotices(ctx: RunContext, discord: () => DiscordSide, evaluations: UserEvaluation[], settings: NoticeSettings): Promise<void> {
  const outbox = new Outbox(ctx.store);
  const leftovers = ctx.dryRun ? [] : (await outbox.pending('dm')).filter((item) => item.key.startsWith(NOTICE_KEY_PREFIX));
  const candidates = findCandidates(ctx.now, evaluations, settings.reminderDays);
  const existing = candidates.length > 0 ? await ctx.store.read((r) => r.notices.findForPayments(candidates.map((c) => c.payment.id))) : [];
  const wanted = candidates.filter((c) => !alreadyCovered(c.key, existing));
  if (leftovers.length === 0 && wanted.length === 0) return;
  const side = discord();
  // Claimed and not yet sent: whatever stops this step leaves them pending, and says so.
  const unsent: Delivery[] = [];
  try {
    if (leftovers.length > 0) {
      ctx.logger.warn({ count: leftovers.length }, 'lifecycle: DMs left unsent by an earlier run: sending them now');
      unsent.push(...(await resumeLeftovers(ctx, leftovers, evaluations)));
      await deliverAll(ctx, outbox, side, unsent);
    }
    for (let i = 0; i < wanted.length; i += CLAIM_BATCH) {
      const batch = wanted.slice(i, i + CLAIM_BATCH);
      if (ctx.dryRun) {
        for (const candidate of batch) ctx.report.done({ plexId: candidate.evaluation.user.plexId, title: candidate.evaluation.user.title, action: actionOf(candidate.key), detail: describe(candidate) });
        continue;
      }
      // One transaction claims the batch and records its DMs; a key another process holds already answers null.
      const claimed = await ctx.store.transaction(async (r) => {
        const out: Delivery[] = [];
        for (const c of batch) {
          const noticeId = await r.notices.claim(c.evaluation.user.id, c.key, ctx.now);
          if (noticeId === null) continue;
          const pay = await dmPayOptions(r, c.evaluation.user.plexId, c.payment.planName, settings.payByCard ?? false);
          const payload = encodeDm(message(c, ctx.now, settings, pay));
          const intent = { key: `${NOTICE_KEY_PREFIX}${noticeId}`, kind: 'dm' as const, userId: c.evaluation.user.id, target: c.evaluation.user.discordId!, payload, reason: describe(c) };
          const item = await r.outbox.enqueue(intent, ctx.now);
          if (item) out.push({ item, noticeId, user: c.evaluation.user, action: actionOf(c.key), leftover: false });
        }
        return out;
      });
      unsent.push(...claimed);
      await deliverAll(ctx, outbox, side, unsent);
    }
  } finally {
    for (const d of unsent) {
      ctx.report.failed(d.user.plexId, d.action, 'not sent: the run stopped first (kept: sent by the next run)');
      ctx.logger.warn({ plexId: d.user.plexId, action: d.action }, 'lifecycle: DM not sent, kept for the next run');
    }
  }
}

/** Sends the queue's DMs in order; each leaves the queue once its outcome is committed. */
async function deliverAll(ctx: RunContext, outbox: Outbox, side: DiscordSide, queue: Delivery[]): Promise<void> {
  while (queue.length > 0) {
    await deliver(ctx, outbox, side, queue[0]!);
    queue.shift();
  }
}

async function deliver(ctx: RunContext, outbox: Outbox, side: DiscordSide, d: Delivery): Promise<void> {
  const { user } = d;
  let failure: GuildPortError | undefined;
  const outcome = await outbox.perform(
    d.item,
    (nonce) => {
      const dm = decodeDm(d.item.payload);
      return side.port.sendDm(d.item.target, dm.content, { nonce, ...(dm.buttons.length > 0 ? { buttons: dm.buttons } : {}) });
    },
    (raw): OutboxOutcome => {
      failure = asGuildError(raw);
      // A wrong token stops the run; the DM stays pending.
      if (failure.kind === 'unauthorized') throw failure;
      return failure.permanent ? { status: 'failed', reason: failure.message } : { status: 'pending', reason: failure.message };
    },
    ctx.now,
    async (r, o) => {
      if (o.status === 'done') {
        await r.notices.markDelivered([d.noticeId], ctx.now);
        if (user.dmsClosedAt) await r.subscriptions.setDmsClosed([user.id], null);
      } else if (o.status === 'failed') {
        await r.notices.markFailed(d.noticeId, o.reason);
        if (failure?.kind === 'dms-closed') await r.subscriptions.setDmsClosed([user.id], ctx.now);
      }
    },
  );
  if (outcome.status === 'done') {
    const detail = d.leftover ? `${d.item.reason} (left unsent by an earlier run)` : d.item.reason;
    ctx.report.done({ plexId: user.plexId, title: user.title, action: d.action, detail });
    return;
  }
  const reason = outcome.status === 'pending' ? `${outcome.reason} (kept: sent by the next run)` : outcome.reason;
  ctx.report.failed(user.plexId, d.action, reason);
  ctx.logger.warn({ plexId: user.plexId, action: d.action, reason: outcome.reason }, 'lifecycle: DM failed');
}

/**
 * The DMs an earlier run claimed and did not get out. Sent as recorded if their notice is still
 * due; one no longer due (renewed, removed, unlinked) is settled and its claim released.
 */
async function resumeLeftovers(ctx: RunContext, items: OutboxItem[], evaluations: UserEvaluation[]): Promise<Delivery[]> {
  const noticeIds = new Map(items.map((item) => [item.id, Number(item.key.slice(NOTICE_KEY_PREFIX.length))]));
  const notices = new Map((await ctx.store.read((r) => r.notices.findByIds([...noticeIds.values()]))).map((n) => [n.id, n]));
  const byUser = new Map(evaluations.map((e) => [e.user.id, e]));
  const out: Delivery[] = [];
  const stale: Array<{ item: OutboxItem; noticeId: number }> = [];
  for (const item of items) {
    const noticeId = noticeIds.get(item.id)!;
    const notice = notices.get(noticeId);
    const evaluation = item.userId === null ? undefined : byUser.get(item.userId);
    if (notice && evaluation && stillDue(notice, evaluation, item.target)) {
      out.push({ item, noticeId, user: evaluation.user, action: actionOf(notice), leftover: true });
    } else {
      stale.push({ item, noticeId });
    }
  }
  if (stale.length > 0) {
    await ctx.store.transaction(async (r) => {
      for (const { item, noticeId } of stale) {
        await r.outbox.markFailed(item.id, 'no longer due', ctx.now);
        await r.notices.release(noticeId);
      }
    });
    ctx.logger.info({ count: stale.length }, 'lifecycle: DMs left unsent by an earlier run are no longer due: dropped');
  }
  return out;
}

function stillDue(notice: NoticeRow, evaluation: UserEvaluation, target: string): boolean {
  const { user } = evaluation;
  if (user.userClass !== 'standard' || user.removedAt || user.discordId !== target) return false;
  const payment = notice.kind === 'reminder' ? evaluation.currentPayment : evaluation.endedPayment;
  return payment?.id === notice.paymentId && payment.endsAt.getTime() === notice.endsAt.getTime();
}

function actionOf(key: Pick<NoticeKey, 'kind'>): 'reminder' | 'expired-notice' {
  return key.kind === 'reminder' ? 'reminder' : 'expired-notice';
}

function describe(candidate: Candidate): string {
  const ends = candidate.payment.endsAt.toISOString().slice(0, 10);
  return candidate.key.kind === 'reminder' ? `DM: ${candidate.key.thresholdDays}-day reminder (ends ${ends})` : `DM: subscription ended ${ends}`;
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

function encodeDm(dm: DmPayload): string {
  return dm.buttons.length === 0 ? dm.content : JSON.stringify(dm);
}

function decodeDm(payload: string): DmPayload {
  if (payload.startsWith('{"content":')) {
    try {
      const parsed = JSON.parse(payload) as DmPayload;
      if (typeof parsed.content === 'string' && Array.isArray(parsed.buttons)) return parsed;
    } catch {
      // A template that renders to something JSON-like: it is the text itself.
    }
  }
  return { content: payload, buttons: [] };
}

/**
 * The line after the configured text that explains the buttons: the template link is under the
 * message; a card payment needs a fresh Stripe session, which /subscription makes on the click.
 */
function payLine(kind: NoticeKind, pay: DmPay): string | null {
  const renew = kind === 'reminder' ? 'Renew' : 'Renew to get your access back';
  if (pay.buttons.length > 0 && pay.card) return `${renew} with the button below, or by card with /subscription (which also shows your subscription).`;
  if (pay.buttons.length > 0) return `${renew} with the button below; /subscription shows your subscription.`;
  if (pay.card) return `${renew} by card with /subscription (which also shows your subscription).`;
  return null;
}

function message(candidate: Candidate, now: Date, settings: NoticeSettings, pay: DmPay): DmPayload {
  const { evaluation, payment } = candidate;
  const removeAt = evaluation.removeAt ?? new Date(payment.endsAt.getTime() + settings.removeAfterDays * DAY_MS);
  const values = {
    name: evaluation.user.title,
    plan: payment.planName,
    endsAt: formatDay(payment.endsAt, settings.timeZone),
    removeAt: formatDay(removeAt, settings.timeZone),
    daysLeft: candidate.key.kind === 'reminder' ? daysUntil(payment.endsAt, now) : daysUntil(removeAt, now),
  };
  const text = renderTemplate(candidate.key.kind === 'reminder' ? settings.reminderTemplate : settings.expiredTemplate, values);
  const line = payLine(candidate.key.kind, pay);
  if (!line) return { content: text, buttons: [] };
  // The configured text gives way, not the pay line: the buttons need it.
  const room = MAX_MESSAGE - line.length - 2;
  const body = text.length <= room ? text : `${text.slice(0, room - 1)}…`;
  return { content: `${body}\n\n${line}`, buttons: pay.buttons };
}
