import type { ImportSource, ImportStatus, PaymentEventKind, PaymentSource } from '../../../entities';
import type { PaymentEventRow } from '../../repositories/payment-event.repository';
import type { PaymentRow } from '../../repositories/payment.repository';
import type { UnmatchedRow } from '../../repositories/unmatched-payment.repository';
import type { ImportNotice } from './summary';

/** The JSON shapes the CLI prints and the bot shows. Dates are ISO-8601 UTC strings. */
export interface UnmatchedView {
  id: number;
  source: ImportSource;
  transactionId: string;
  status: ImportStatus;
  reason: string;
  occurredAt: string;
  amount: string;
  amountCents: number;
  currency: string;
  payerEmail: string | null;
  payerName: string | null;
  subscriptionId: string | null;
}

export interface PaymentView {
  source: PaymentSource;
  transactionId: string | null;
  plan: string;
  startsAt: string;
  endsAt: string;
  amount: string | null;
  amountCents: number | null;
  currency: string | null;
  subscriptionId: string | null;
  default: boolean;
  /** When the payment was fully refunded or reversed: it then no longer counts. */
  voidedAt: string | null;
}

export interface PaymentEventView {
  source: ImportSource;
  kind: PaymentEventKind;
  transactionId: string;
  referenceTransactionId: string | null;
  status: ImportStatus;
  occurredAt: string;
  amount: string;
  amountCents: number;
  currency: string;
}

export interface UserPaymentsView {
  plexId: number;
  title: string;
  status: string;
  payments: PaymentView[];
  /** Refunds and reversals of this user's payments. */
  events: PaymentEventView[];
}

export interface AssignResult {
  unmatchedId: number;
  plexId: number;
  title: string;
  payment: PaymentView;
  rememberedEmail: string | null;
  rememberedSubscription: string | null;
  notices: ImportNotice[];
}

const amount = (cents: number) => (cents / 100).toFixed(2);

export function unmatchedView(r: UnmatchedRow): UnmatchedView {
  return {
    id: r.id,
    source: r.source,
    transactionId: r.transactionId,
    status: r.status,
    reason: r.reason,
    occurredAt: r.occurredAt.toISOString(),
    amount: amount(r.amountCents),
    amountCents: r.amountCents,
    currency: r.currency,
    payerEmail: r.payerEmail,
    payerName: r.payerName,
    subscriptionId: r.subscriptionId,
  };
}

export function paymentView(p: PaymentRow): PaymentView {
  return {
    source: p.source,
    transactionId: p.transactionId,
    plan: p.planName,
    startsAt: p.startsAt.toISOString(),
    endsAt: p.endsAt.toISOString(),
    amount: p.amountCents === null ? null : amount(p.amountCents),
    amountCents: p.amountCents,
    currency: p.currency,
    subscriptionId: p.subscriptionId,
    default: p.isDefault,
    voidedAt: p.voidedAt?.toISOString() ?? null,
  };
}

export function eventView(e: PaymentEventRow): PaymentEventView {
  return {
    source: e.source,
    kind: e.kind,
    transactionId: e.transactionId,
    referenceTransactionId: e.referenceTransactionId,
    status: e.status,
    occurredAt: e.occurredAt.toISOString(),
    amount: amount(e.amountCents),
    amountCents: e.amountCents,
    currency: e.currency,
  };
}
