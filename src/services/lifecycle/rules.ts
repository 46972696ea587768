import type { SubscriptionPayment, SubscriptionUser } from '../../repositories/subscription.repository';
import { computeStatus, type Status } from '../status';

export const DAY_MS = 86_400_000;

/** One user's standing at one moment, with the payments the lifecycle's rules hang on. */
export interface UserEvaluation {
  user: SubscriptionUser;
  status: Status;
  /** Active: the payment that carries the current end date (the one renewals and reminders are about). */
  currentPayment: SubscriptionPayment | null;
  /** Expired: the payment that ended last. */
  endedPayment: SubscriptionPayment | null;
  /** Active on a recurring subscription (subscription ID on the current payment): no reminders. */
  recurring: boolean;
  /** Expired: when the shares are (or were) to be removed from the Plex servers. */
  removeAt: Date | null;
  /**
   * Expired on a plan with a renew stage: when the shares are (or were) reduced to its renew
   * libraries; removal then comes its days later. Null: removed at once after the grace days.
   */
  reduceAt: Date | null;
  /** The renew stage's length in days, when reduceAt is set. */
  renewDays: number | null;
}

/** Plan name → days of its renew stage (plans with one only). */
export type RenewDays = ReadonlyMap<string, number>;

/** The payment with this end date; the newest one wins a tie, so the choice is stable. */
export function paymentEndingAt<P extends { id: number; endsAt: Date }>(payments: P[], end: Date): P | null {
  let found: P | null = null;
  for (const p of payments) {
    if (p.endsAt.getTime() === end.getTime() && (!found || p.id > found.id)) found = p;
  }
  return found;
}

export function evaluate(user: SubscriptionUser, now: Date, removeAfterDays: number, renewDays: RenewDays = new Map()): UserEvaluation {
  const status = computeStatus(user.userClass, user.payments, now);
  const evaluation: UserEvaluation = { user, status, currentPayment: null, endedPayment: null, recurring: false, removeAt: null, reduceAt: null, renewDays: null };
  if (status.kind === 'active') {
    evaluation.currentPayment = paymentEndingAt(user.payments, status.endsAt);
    evaluation.recurring = evaluation.currentPayment?.subscriptionId != null;
  } else if (status.kind === 'expired' && status.endedAt) {
    evaluation.endedPayment = paymentEndingAt(user.payments, status.endedAt);
    evaluation.removeAt = new Date(status.endedAt.getTime() + removeAfterDays * DAY_MS);
    const days = evaluation.endedPayment ? renewDays.get(evaluation.endedPayment.planName) : undefined;
    if (days !== undefined) {
      // The renew stage starts when removal would have, and lasts its days from the reduction
      // (a reduction done late, after downtime, still leaves the user all of them).
      evaluation.reduceAt = evaluation.removeAt;
      const reducedAt = reducedFor(user, status.endedAt);
      evaluation.removeAt = new Date(Math.max(evaluation.reduceAt.getTime(), reducedAt?.getTime() ?? 0) + days * DAY_MS);
      evaluation.renewDays = days;
    }
  }
  return evaluation;
}

export interface RoleSettings {
  subscriberRoleId: string;
  permanentRoleId: string | null;
}

export interface RoleChange {
  roleId: string;
  action: 'add' | 'remove';
}

/**
 * The role changes that bring a member in line with their class and status. Standard: the
 * subscriber role exactly while active. Permanent: never touched, except that they get the
 * permanent role when one is configured. The permanent role mirrors the class, so a user moved
 * from permanent to standard loses it.
 */
export function roleChanges(evaluation: UserEvaluation, memberRoles: ReadonlySet<string>, settings: RoleSettings): RoleChange[] {
  const changes: RoleChange[] = [];
  const { permanentRoleId, subscriberRoleId } = settings;
  if (evaluation.status.kind === 'permanent') {
    if (permanentRoleId && !memberRoles.has(permanentRoleId)) changes.push({ roleId: permanentRoleId, action: 'add' });
    return changes;
  }
  const active = evaluation.status.kind === 'active';
  if (active && !memberRoles.has(subscriberRoleId)) changes.push({ roleId: subscriberRoleId, action: 'add' });
  if (!active && memberRoles.has(subscriberRoleId)) changes.push({ roleId: subscriberRoleId, action: 'remove' });
  if (permanentRoleId && permanentRoleId !== subscriberRoleId && memberRoles.has(permanentRoleId)) {
    changes.push({ roleId: permanentRoleId, action: 'remove' });
  }
  return changes;
}

/**
 * The reminder threshold due now for an active, non-recurring standard user: the smallest
 * threshold whose time has come. After downtime only that one is sent, never the older ones.
 */
export function dueReminderThreshold(evaluation: UserEvaluation, reminderDays: number[], now: Date): number | null {
  if (evaluation.status.kind !== 'active' || evaluation.recurring || !evaluation.currentPayment) return null;
  const left = evaluation.status.endsAt.getTime() - now.getTime();
  const due = reminderDays.filter((days) => left <= days * DAY_MS);
  return due.length > 0 ? Math.min(...due) : null;
}

/**
 * Whether the user's shares must go now: expired standard user, grace period over, shares left,
 * and not already removed for this same payment end (an admin who re-invites an expired user
 * without a new payment is not overruled).
 */
export function removalDue(evaluation: UserEvaluation, now: Date): boolean {
  return removalPending(evaluation) && now.getTime() >= evaluation.removeAt!.getTime();
}

/** Expired with a known end, shares left, not yet removed for this end: removal is due at removeAt. */
export function removalPending(evaluation: UserEvaluation): boolean {
  const { user, removeAt, status } = evaluation;
  if (status.kind !== 'expired' || !status.endedAt || !removeAt || user.shares.length === 0) return false;
  return user.plexRemovedEndAt?.getTime() !== status.endedAt.getTime();
}

/** When the shares were reduced for this payment end (a reduction before it was for an earlier expiry). */
function reducedFor(user: SubscriptionUser, endedAt: Date): Date | null {
  return user.plexReducedAt && user.plexReducedAt.getTime() >= endedAt.getTime() ? user.plexReducedAt : null;
}

/** Whether the shares must be reduced to the renew libraries now: renew stage begun, not yet reduced for this end, removal still pending. */
export function reduceDue(evaluation: UserEvaluation, now: Date): boolean {
  const { user, status, reduceAt } = evaluation;
  if (!reduceAt || status.kind !== 'expired' || !status.endedAt || !removalPending(evaluation)) return false;
  if (now.getTime() < reduceAt.getTime() || now.getTime() >= evaluation.removeAt!.getTime()) return false;
  return reducedFor(user, status.endedAt) === null;
}

export function daysUntil(date: Date, now: Date): number {
  return Math.max(0, Math.ceil((date.getTime() - now.getTime()) / DAY_MS));
}
