import type { ImportStatus } from '../../../entities';
import { formatCents } from '../../payments/money';
import type { ImportedTransaction } from '../../payments/transaction';
import type { PeriodRow, RecordedPayment } from '../../repositories/payment-import.repository';
import type { NewPayment } from '../../repositories/payment.repository';
import type { PaymentEventFields } from '../../repositories/payment-event.repository';
import type { PlanRow } from '../../repositories/plan.repository';
import type { UnmatchedFields } from '../../repositories/unmatched-payment.repository';
import type { UserMatcher } from './matching';
import { choosePlan, periodFor, restackAfterVoid } from './periods';
import { refundOutcome, type Money } from './refunds';
import type { ImportNotice, ImportSummary } from './summary';

/** What the database already holds for the transactions of one import (loaded in a few batched queries). */
export interface ImportContext {
  matcher: UserMatcher;
  plans: PlanRow[];
  periodsByUser: Map<number, PeriodRow[]>;
  /**
   * Payments by transaction ID, voided ones included: the recorded ones that refunds and
   * reversals of this import refer to, and the ones it creates (grows as the import decides).
   */
  payments: Map<string, KnownPayment>;
  /** Transaction IDs of the import already recorded as payments: duplicates (their details are not needed). */
  recorded: Set<string>;
  unmatched: Map<string, Pick<UnmatchedFields, 'status' | 'paymentId'>>;
  events: Map<string, { status: ImportStatus }>;
  /** The refunds and reversals of each payment (by its transaction ID), by their own transaction ID. */
  refunds: Map<string, Map<string, Money & { status: ImportStatus }>>;
}

/**
 * A payment already recorded, as refunds and duplicates need it; a payment this import creates is
 * its own NewPayment (one object per payment, whatever looks at it: 50,000 of them add up).
 */
export type KnownPayment = Omit<RecordedPayment, 'id' | 'voided'> & { voided?: boolean };

/** A payment this import creates (it is its own NewPayment), not one recorded before. */
function createdHere(payment: KnownPayment): payment is KnownPayment & NewPayment {
  return 'planId' in payment;
}

/** The writes an import decided on; `link` marks rows whose payment ID is known only once the payments are inserted. */
export interface ImportWrites {
  /** New payments, already voided or moved when a refund in the same import says so. */
  payments: NewPayment[];
  unmatched: Array<UnmatchedFields & { linkPayment: boolean }>;
  events: Array<PaymentEventFields & { linkPayment: boolean }>;
  /** Transaction IDs of recorded payments that a full refund or reversal voids. */
  voids: string[];
  /** Recorded payments re-stacked into time a voided payment freed (by transaction ID). */
  moves: Map<string, { startsAt: Date; endsAt: Date }>;
}

/**
 * Decides, without I/O, what each transaction becomes: a payment for a matched user, an unmatched
 * or pending record, a refund/reversal (a full one voids its payment and re-stacks the user's later
 * payments, a partial one is flagged), or nothing (duplicate, not money). Transactions are taken in
 * time order so that renewals stack in the order they were paid.
 */
export function decideImport(transactions: ImportedTransaction[], ctx: ImportContext, summary: ImportSummary, now: Date): ImportWrites {
  const writes: ImportWrites = { payments: [], unmatched: [], events: [], voids: [], moves: new Map() };
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const ordered = [...transactions].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.line ?? 0) - (b.line ?? 0));
  const notice = (tx: ImportedTransaction, kind: ImportNotice['kind'], message: string) =>
    summary.notices.push({ kind, transactionId: tx.transactionId, ...(tx.line ? { line: tx.line } : {}), message });
  const money = (tx: ImportedTransaction) => formatCents(tx.amountCents, tx.currency);

  const hold = (tx: ImportedTransaction, reason: string, linkPayment = false) => {
    const row = {
      source: tx.source,
      transactionId: tx.transactionId,
      status: tx.status,
      reason,
      occurredAt: tx.occurredAt,
      amountCents: tx.amountCents,
      currency: tx.currency,
      payerEmail: tx.payerEmail,
      payerName: tx.payerName,
      subscriptionId: tx.subscriptionId,
      paymentId: null,
      resolvedAt: linkPayment ? now : null,
      linkPayment,
    };
    writes.unmatched.push(row);
    ctx.unmatched.set(tx.transactionId, { status: tx.status, paymentId: linkPayment ? -1 : null });
  };

  /** Voids a payment and moves the user's later payments back into the time it freed. */
  const takeBack = (reference: string, original: KnownPayment) => {
    original.voided = true;
    // One this import creates is written voided; one recorded before is voided in the database.
    if (createdHere(original)) original.voidedAt = now;
    else writes.voids.push(reference);
    const remaining = (ctx.periodsByUser.get(original.userId) ?? []).filter((p) => p.transactionId !== reference);
    const { periods, moves } = restackAfterVoid(remaining, original.startsAt, ctx.plans);
    ctx.periodsByUser.set(original.userId, periods);
    for (const m of moves) {
      const known = ctx.payments.get(m.transactionId);
      if (!known || !createdHere(known)) writes.moves.set(m.transactionId, { startsAt: m.startsAt, endsAt: m.endsAt });
      if (known) Object.assign(known, { startsAt: m.startsAt, endsAt: m.endsAt });
    }
    return moves;
  };

  /**
   * Records a refund or reversal. `effective` says the money went back (a completed refund, a
   * payment now reversed); then, once this payment's refunds add up to what it paid, it is taken back.
   */
  const flag = (tx: ImportedTransaction, kind: 'refund' | 'reversal', reference: string | null, effective: boolean) => {
    const known = ctx.events.get(tx.transactionId);
    if (known && known.status === tx.status) {
      summary.duplicatesSkipped++;
      return;
    }
    const original = reference ? ctx.payments.get(reference) : undefined;
    const user = original ? ctx.matcher.user(original.userId) : undefined;
    writes.events.push({
      source: tx.source,
      kind,
      transactionId: tx.transactionId,
      referenceTransactionId: reference,
      status: tx.status,
      occurredAt: tx.occurredAt,
      amountCents: tx.amountCents,
      currency: tx.currency,
      payerEmail: tx.payerEmail,
      paymentId: null,
      userId: original?.userId ?? null,
      linkPayment: !!original,
    });
    ctx.events.set(tx.transactionId, { status: tx.status });
    if (!known) {
      summary.refundsFlagged++;
      summary.imported++;
    }
    const seen = reference ? (ctx.refunds.get(reference) ?? new Map<string, Money & { status: ImportStatus }>()) : null;
    if (reference && seen) {
      seen.set(tx.transactionId, { amountCents: tx.amountCents, currency: tx.currency, status: effective ? 'completed' : tx.status });
      ctx.refunds.set(reference, seen);
    }
    const who = user ? `${user.title} (plex ${user.plexId})` : tx.payerEmail ?? 'an unknown payer';
    const what = reference ? (original ? `of payment ${reference}` : `of ${reference}, a transaction not imported here`) : '';
    const head = `${kind} ${what} ${tx.status === 'completed' ? '' : `(${tx.status}) `}for ${money(tx)}, ${who}:`;
    const say = (message: string) => notice(tx, kind, `${head} ${message}`.replace(/\s+/g, ' '));

    if (!original || !user || !reference || !seen || !effective) {
      say('their access was not changed, review it');
      return;
    }
    if (original.voided) {
      say('the payment was already taken back, nothing changed');
      return;
    }
    const given = [...seen.values()].filter((r) => r.status === 'completed');
    const outcome = refundOutcome(original, given);
    const base = { kind, transactionId: tx.transactionId, paymentTransactionId: reference, plexId: user.plexId, title: user.title, amount: money(tx) };
    if (outcome.kind === 'review') {
      summary.refundsToReview.push({ ...base, reason: outcome.reason });
      say(`${outcome.reason}; their time was not changed, review it`);
      return;
    }
    const takenBack = { startsAt: original.startsAt, endsAt: original.endsAt };
    const moves = takeBack(reference, original);
    summary.refundsApplied.push({
      ...base,
      takenBack: { startsAt: takenBack.startsAt.toISOString(), endsAt: takenBack.endsAt.toISOString() },
      moved: moves.map((m) => ({
        transactionId: m.transactionId,
        from: { startsAt: m.from.startsAt.toISOString(), endsAt: m.from.endsAt.toISOString() },
        startsAt: m.startsAt.toISOString(),
        endsAt: m.endsAt.toISOString(),
      })),
    });
    const movedText = moves.map((m) => `; payment ${m.transactionId} moved back to ${day(m.startsAt)} → ${day(m.endsAt)}`).join('');
    say(`taken back, ${day(takenBack.startsAt)} → ${day(takenBack.endsAt)} no longer counts${movedText}`);
  };

  for (const tx of ordered) {
    if (tx.kind !== 'payment') {
      flag(tx, tx.kind, tx.referenceTransactionId, tx.status === 'completed');
      continue;
    }
    const held = ctx.unmatched.get(tx.transactionId);
    if (ctx.payments.has(tx.transactionId) || ctx.recorded.has(tx.transactionId) || (held && held.paymentId !== null)) {
      // Already a payment. One that came back Reversed gave its money back: it is taken back, and said so.
      if (tx.status === 'reversed' && ctx.payments.has(tx.transactionId)) flag(tx, 'reversal', tx.transactionId, true);
      else summary.duplicatesSkipped++;
      continue;
    }
    if (tx.status === 'pending') {
      if (held?.status === 'pending') {
        summary.duplicatesSkipped++;
        continue;
      }
      hold(tx, `pending at ${tx.source === 'paypal' ? 'PayPal' : 'Stripe'}: imported once it completes`);
      summary.pending++;
      summary.imported++;
      notice(tx, 'pending', `pending payment of ${money(tx)} from ${tx.payerEmail ?? 'an unknown payer'}: it becomes a payment once it completes`);
      continue;
    }
    if (tx.status !== 'completed') {
      // Denied, canceled, reversed before it was ever a payment: not money. Close what was held for it.
      summary.ignored++;
      if (held && held.status !== tx.status) {
        hold(tx, `${tx.status} at ${tx.source === 'paypal' ? 'PayPal' : 'Stripe'}`);
        notice(tx, 'closed', `the ${held.status} payment of ${money(tx)} from ${tx.payerEmail ?? 'an unknown payer'} is now ${tx.status}: dropped`);
      }
      continue;
    }

    const match = ctx.matcher.match(tx);
    if (match.note) notice(tx, 'ambiguous', match.note);
    const plan = match.user ? choosePlan(ctx.plans, ctx.periodsByUser.get(match.user.id) ?? [], tx.amountCents, tx.currency) : null;
    if (!match.user || !plan || plan.plan === null) {
      const reason = !match.user ? match.reason : plan && plan.plan === null ? plan.reason : 'no plan';
      if (held?.status === 'completed') {
        summary.duplicatesSkipped++;
        continue;
      }
      hold(tx, reason);
      summary.unmatched++;
      summary.imported++;
      notice(tx, 'unmatched', `payment of ${money(tx)} from ${tx.payerEmail ?? tx.payerName ?? 'an unknown payer'} kept as unmatched: ${reason}`);
      continue;
    }

    const user = match.user;
    const periods = ctx.periodsByUser.get(user.id) ?? [];
    const { startsAt, endsAt } = periodFor(user, periods, plan.plan, tx.occurredAt);
    const payment: NewPayment & { paidAt: Date } = {
      userId: user.id,
      planId: plan.plan.id,
      startsAt,
      endsAt,
      amountCents: tx.amountCents,
      currency: tx.currency,
      subscriptionId: tx.subscriptionId,
      transactionId: tx.transactionId,
      source: tx.source,
      isDefault: false,
      paidAt: tx.occurredAt,
    };
    writes.payments.push(payment);
    // The same object is the user's new period and the payment refunds look up.
    periods.push(payment);
    ctx.periodsByUser.set(user.id, periods);
    ctx.payments.set(tx.transactionId, payment);
    if (tx.subscriptionId) ctx.matcher.recordSubscription(tx.subscriptionId, user.id);
    // What was held for it (pending before, or unmatched until the admin set the email) is resolved by this payment.
    if (held) hold(tx, held.status === 'pending' ? 'completed after being pending' : `matched later by ${match.rule}`, true);
    summary.matched++;
    summary.imported++;
    if (plan.note) notice(tx, tx.currency !== plan.plan.currency ? 'currency' : 'plan-fallback', `${user.title} (plex ${user.plexId}): ${plan.note}`);
    if (match.rule === 'reference') {
      const via = tx.payerEmail ? `, paid from ${tx.payerEmail}` : '';
      notice(tx, 'reference', `payment of ${money(tx)} for ${user.title} (plex ${user.plexId}) matched by checkout reference${via}`);
    }
  }
  return writes;
}
