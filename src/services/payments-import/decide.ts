import type { ImportStatus } from '../../../entities';
import { formatCents } from '../../payments/money';
import type { ImportedTransaction } from '../../payments/transaction';
import type { PeriodRow } from '../../repositories/payment-import.repository';
import type { NewPayment } from '../../repositories/payment.repository';
import type { PaymentEventFields } from '../../repositories/payment-event.repository';
import type { PlanRow } from '../../repositories/plan.repository';
import type { UnmatchedFields } from '../../repositories/unmatched-payment.repository';
import type { UserMatcher } from './matching';
import { choosePlan, periodFor } from './periods';
import type { ImportNotice, ImportSummary } from './summary';

/** What the database already holds for the transactions of one import (loaded in a few batched queries). */
export interface ImportContext {
  matcher: UserMatcher;
  plans: PlanRow[];
  periodsByUser: Map<number, PeriodRow[]>;
  /** Payments by transaction ID (grows as the import decides). */
  payments: Map<string, { userId: number }>;
  unmatched: Map<string, Pick<UnmatchedFields, 'status' | 'paymentId'>>;
  events: Map<string, { status: ImportStatus }>;
}

/** The writes an import decided on; `link` marks rows whose payment ID is known only once the payments are inserted. */
export interface ImportWrites {
  payments: NewPayment[];
  unmatched: Array<UnmatchedFields & { linkPayment: boolean }>;
  events: Array<PaymentEventFields & { linkPayment: boolean }>;
}

/**
 * Decides, without I/O, what each transaction becomes: a payment for a matched user, an unmatched
 * or pending record, a flagged refund/reversal, or nothing (duplicate, not money). Transactions
 * are taken in time order so that renewals stack in the order they were paid.
 */
export function decideImport(transactions: ImportedTransaction[], ctx: ImportContext, summary: ImportSummary, now: Date): ImportWrites {
  const writes: ImportWrites = { payments: [], unmatched: [], events: [] };
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

  const flag = (tx: ImportedTransaction, kind: 'refund' | 'reversal', reference: string | null) => {
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
    const who = user ? `${user.title} (plex ${user.plexId})` : tx.payerEmail ?? 'an unknown payer';
    const what = reference ? (original ? `of payment ${reference}` : `of ${reference}, a transaction not imported here`) : '';
    notice(tx, kind, `${kind} ${what} ${tx.status === 'completed' ? '' : `(${tx.status}) `}for ${money(tx)}, ${who}: their access was not changed, review it`.replace(/\s+/g, ' '));
  };

  for (const tx of ordered) {
    if (tx.kind !== 'payment') {
      flag(tx, tx.kind, tx.referenceTransactionId);
      continue;
    }
    const held = ctx.unmatched.get(tx.transactionId);
    if (ctx.payments.has(tx.transactionId) || (held && held.paymentId !== null)) {
      // Already a payment. A payment that came back Reversed is flagged, never undone silently.
      if (tx.status === 'reversed' && ctx.payments.has(tx.transactionId)) flag(tx, 'reversal', tx.transactionId);
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
    writes.payments.push({
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
    });
    periods.push({ userId: user.id, planId: plan.plan.id, startsAt, endsAt, subscriptionId: tx.subscriptionId });
    ctx.periodsByUser.set(user.id, periods);
    ctx.payments.set(tx.transactionId, { userId: user.id });
    if (tx.subscriptionId) ctx.matcher.recordSubscription(tx.subscriptionId, user.id);
    // What was held for it (pending before, or unmatched until the admin set the email) is resolved by this payment.
    if (held) hold(tx, held.status === 'pending' ? 'completed after being pending' : `matched later by ${match.rule}`, true);
    summary.matched++;
    summary.imported++;
    if (plan.note) notice(tx, tx.currency !== plan.plan.currency ? 'currency' : 'plan-fallback', `${user.title} (plex ${user.plexId}): ${plan.note}`);
  }
  return writes;
}
