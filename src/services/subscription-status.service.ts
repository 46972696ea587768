import type { UserClass } from '../../entities';
import type { Clock } from '../config/clock';
import type { Repositories, Store } from '../repositories/store';
import { evaluate, type RenewDays, type UserEvaluation } from './lifecycle/rules';
import { describeStatus, type Status } from './status';

export interface SubscriptionView {
  plexId: number;
  title: string;
  username: string | null;
  class: UserClass;
  discordId: string | null;
  status: Status;
  /** The current end date for an active user (renewals stacked), the last end for an expired one. */
  endsAt: Date | null;
  statusText: string;
}

/** Every user's status from one batched read (three queries, whatever the number of users). */
export class SubscriptionStatusService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly removeAfterDays: number,
  ) {}

  async evaluateAll(now: Date): Promise<UserEvaluation[]> {
    const { users, renewDays } = await this.store.read(async (r) => ({ users: await r.subscriptions.loadAll(), renewDays: await renewDaysOf(r) }));
    return users.map((u) => evaluate(u, now, this.removeAfterDays, renewDays));
  }

  async list(at?: Date): Promise<SubscriptionView[]> {
    const now = at ?? this.clock.now();
    return (await this.evaluateAll(now)).map(({ user, status }) => ({
      plexId: user.plexId,
      title: user.title,
      username: user.username,
      class: user.userClass,
      discordId: user.discordId,
      status,
      endsAt: status.kind === 'active' ? status.endsAt : status.kind === 'expired' ? status.endedAt : null,
      statusText: describeStatus(status, now),
    }));
  }
}

/** Each plan with a renew stage, by name: the lifecycle's rules work on payments' plan names. */
export async function renewDaysOf(r: Repositories): Promise<RenewDays> {
  const renew = await r.planRenew.listAll();
  if (renew.length === 0) return new Map();
  const names = new Map((await r.plans.list()).map((p) => [p.id, p.name]));
  return new Map(renew.map((p) => [names.get(p.planId)!, p.days]));
}
