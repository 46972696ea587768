import type { PlanRow } from '../../repositories/plan.repository';
import type { PeriodRow } from '../../repositories/payment-import.repository';
import type { MatchUserRow } from '../../repositories/payment-import.repository';
import { addDuration } from '../plan-rules';
import { computeStatus } from '../status';
import { formatCents } from '../../payments/money';

export type PlanChoice = { plan: PlanRow; why: 'price' | 'current' | 'default'; note?: string } | { plan: null; reason: string };

/**
 * The plan a payment pays for: the plan whose price and currency are the amount; else the user's
 * current plan (their latest payment's); else the default plan. Several plans at the same price:
 * the user's current one, then the default, then the first by name.
 */
export function choosePlan(plans: PlanRow[], periods: PeriodRow[], amountCents: number, currency: string): PlanChoice {
  const latest = periods.reduce<PeriodRow | null>((a, p) => (!a || p.startsAt.getTime() >= a.startsAt.getTime() ? p : a), null);
  const current = latest ? plans.find((p) => p.id === latest.planId) : undefined;
  const byDefault = plans.find((p) => p.isDefault);
  const priced = plans.filter((p) => p.priceCents === amountCents && p.currency === currency);
  if (priced.length > 0) {
    const plan = priced.find((p) => p.id === current?.id) ?? priced.find((p) => p.isDefault) ?? priced[0]!;
    return { plan, why: 'price' };
  }
  const paid = formatCents(amountCents, currency);
  const fallback = current ? { plan: current, why: 'current' as const } : byDefault ? { plan: byDefault, why: 'default' as const } : null;
  if (!fallback) return { plan: null, reason: `no plan costs ${paid}, the user has no payment yet and there is no default plan` };
  const currencyNote = fallback.plan.currency !== currency ? ` (paid in ${currency}, the plan is in ${fallback.plan.currency})` : '';
  return {
    ...fallback,
    note: `no plan costs ${paid}: recorded on ${fallback.why === 'current' ? 'their current plan' : 'the default plan'} "${fallback.plan.name}"${currencyNote}`,
  };
}

/**
 * The period a payment buys: from the later of the payment time and the user's end date at that
 * time (renewals stack, as computeStatus reads them), for the plan's duration.
 */
export function periodFor(user: MatchUserRow, periods: PeriodRow[], plan: PlanRow, paidAt: Date): { startsAt: Date; endsAt: Date } {
  const status = computeStatus(user.userClass, periods, paidAt);
  const startsAt = status.kind === 'active' && status.endsAt.getTime() > paidAt.getTime() ? status.endsAt : paidAt;
  return { startsAt, endsAt: addDuration(startsAt, { value: plan.durationValue, unit: plan.durationUnit }) };
}

/** A payment placed again after an earlier one stopped counting. */
export interface PeriodMove {
  transactionId: string;
  from: { startsAt: Date; endsAt: Date };
  startsAt: Date;
  endsAt: Date;
}

/**
 * The user's periods once the voided period [startsAt, …) no longer counts (`periods` already
 * without it). Every payment that started at or after it and whose payment time is known is
 * placed again, in the order it was stacked, from the later of its payment time and the end the
 * remaining periods reach then, for its plan's duration: a renewal that stacked after a refunded
 * month moves back into that month, never before it was paid. Payments whose payment time is
 * unknown (default, manual, imported before payment times were kept) stay where they are.
 */
export function restackAfterVoid(periods: PeriodRow[], voidedStartsAt: Date, plans: PlanRow[]): { periods: PeriodRow[]; moves: PeriodMove[] } {
  const movable = periods
    .filter((p) => p.paidAt !== null && p.transactionId !== null && p.startsAt.getTime() >= voidedStartsAt.getTime())
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.paidAt!.getTime() - b.paidAt!.getTime());
  const placed = periods.filter((p) => !movable.includes(p));
  const moves: PeriodMove[] = [];
  for (const p of movable) {
    const paidAt = p.paidAt!;
    // The chain as a standard user's: the class does not change where paid time goes.
    const status = computeStatus('standard', placed, paidAt);
    const startsAt = status.kind === 'active' && status.endsAt.getTime() > paidAt.getTime() ? status.endsAt : paidAt;
    if (startsAt.getTime() === p.startsAt.getTime()) {
      placed.push(p);
      continue;
    }
    const plan = plans.find((pl) => pl.id === p.planId);
    const endsAt = plan
      ? addDuration(startsAt, { value: plan.durationValue, unit: plan.durationUnit })
      : new Date(startsAt.getTime() + (p.endsAt.getTime() - p.startsAt.getTime()));
    placed.push({ ...p, startsAt, endsAt });
    moves.push({ transactionId: p.transactionId!, from: { startsAt: p.startsAt, endsAt: p.endsAt }, startsAt, endsAt });
  }
  return { periods: placed, moves };
}
