import type { UserClass } from '../../entities';

export interface Period {
  startsAt: Date;
  endsAt: Date;
  subscriptionId: string | null;
}

export type Status =
  | { kind: 'permanent' }
  | { kind: 'active'; endsAt: Date; recurring: boolean }
  | { kind: 'expired'; endedAt: Date | null }
  | { kind: 'upcoming'; startsAt: Date };

/**
 * A standard user is active while now lies inside one of their payments; the current end date
 * runs on through payments that start before the previous one ends (renewals stack).
 * Permanent users are always active and never expire.
 */
export function computeStatus(userClass: UserClass, periods: Period[], now: Date): Status {
  if (userClass === 'permanent') return { kind: 'permanent' };
  const t = now.getTime();
  const sorted = [...periods].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  let current: Period | null = null;
  let end = -Infinity;
  let recurring = false;
  for (const p of sorted) {
    const start = p.startsAt.getTime();
    const stop = p.endsAt.getTime();
    if (current === null) {
      if (start <= t && t < stop) {
        current = p;
        end = stop;
        recurring = p.subscriptionId !== null;
      }
    } else if (start <= end && stop > end) {
      end = stop;
      recurring = recurring || p.subscriptionId !== null;
    }
  }
  if (current) return { kind: 'active', endsAt: new Date(end), recurring };
  const next = sorted.find((p) => p.startsAt.getTime() > t);
  if (next) return { kind: 'upcoming', startsAt: next.startsAt };
  const past = sorted.filter((p) => p.endsAt.getTime() <= t);
  return { kind: 'expired', endedAt: past.length ? new Date(Math.max(...past.map((p) => p.endsAt.getTime()))) : null };
}

/** Where /users list files a user: one of these, whatever else is true of them. */
export type Standing = 'active' | 'expired' | 'permanent' | 'removed';

/**
 * A user gone from plex.tv is "removed" first of all; otherwise their status decides, and a
 * payment that has not started yet leaves them expired (no access today). The /users list status
 * filter and /stats both file users by this, so their counts agree.
 */
export function standingOf(removedAt: Date | null, status: Status): Standing {
  if (removedAt !== null) return 'removed';
  if (status.kind === 'permanent') return 'permanent';
  return status.kind === 'active' ? 'active' : 'expired';
}

const DAY = 86_400_000;

/** "active until 2026-12-25 (30 days left)", "expired 3 days ago", "permanent". */
export function describeStatus(status: Status, now: Date): string {
  switch (status.kind) {
    case 'permanent':
      return 'permanent';
    case 'active': {
      const days = Math.ceil((status.endsAt.getTime() - now.getTime()) / DAY);
      return `active until ${status.endsAt.toISOString().slice(0, 10)} (${days} day${days === 1 ? '' : 's'} left)`;
    }
    case 'upcoming':
      return `starts ${status.startsAt.toISOString().slice(0, 10)}`;
    case 'expired': {
      if (!status.endedAt) return 'expired (no payment)';
      const days = Math.floor((now.getTime() - status.endedAt.getTime()) / DAY);
      return days === 0 ? 'expired today' : `expired ${days} day${days === 1 ? '' : 's'} ago`;
    }
  }
}
