import type { UserClass } from '../../entities';
import type { Clock } from '../config/clock';
import type { Store } from '../repositories/store';
import { evaluate, type UserEvaluation } from './lifecycle/rules';
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
    const users = await this.store.read((r) => r.subscriptions.loadAll());
    return users.map((u) => evaluate(u, now, this.removeAfterDays));
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
