import type { SyncKind } from '../../entities';
import type { Clock } from '../config/clock';
import type { Store } from '../repositories/store';

/** The lock each kind of run holds while it works: a "running" row is alive only while that lock is. */
export const RUN_LOCKS = {
  plexSync: 'plex-sync',
  lifecycle: 'lifecycle',
  payments: 'payments-import',
} as const;

export const LOCK_OF_KIND: Record<SyncKind, string> = {
  users: RUN_LOCKS.plexSync,
  'shared-servers': RUN_LOCKS.plexSync,
  lifecycle: RUN_LOCKS.lifecycle,
  'lifecycle-roles': RUN_LOCKS.lifecycle,
  'payments-sync': RUN_LOCKS.payments,
  'payments-csv': RUN_LOCKS.payments,
};

/**
 * Runs `work` (already under its kind's lock) and records it in sync_runs, also when it fails:
 * the record is written outside the work's transaction, so a rollback keeps it.
 */
export async function recordRun<T>(
  deps: { store: Store; clock: Clock },
  kind: SyncKind,
  work: () => Promise<T>,
  counts: (result: T) => Record<string, number>,
): Promise<T> {
  const runId = await deps.store.read((r) => r.syncRuns.start(kind, deps.clock.now()));
  try {
    const result = await work();
    await deps.store.read((r) => r.syncRuns.finish(runId, 'succeeded', deps.clock.now(), counts(result), null));
    return result;
  } catch (error) {
    await deps.store.read((r) => r.syncRuns.finish(runId, 'failed', deps.clock.now(), null, (error as Error).message)).catch(() => undefined);
    throw error;
  }
}

/** A row still marked running, as the liveness rule needs it. */
export interface RunningRow {
  id: number;
  kind: SyncKind;
}

/**
 * Which "running" rows belong to a live process. Runs of one lock never overlap, so when the lock
 * is free (or its lease ran out: its holder died) none of its runs is alive, and when it is held
 * only the newest of its runs can be its holder's. `liveLocks` names the locks whose lease has not
 * run out by the database's clock.
 */
export function aliveRuns(running: RunningRow[], liveLocks: ReadonlySet<string>): Set<number> {
  const newest = new Map<string, number>();
  for (const row of running) {
    const lock = LOCK_OF_KIND[row.kind] ?? null;
    if (lock === null || !liveLocks.has(lock)) continue;
    newest.set(lock, Math.max(newest.get(lock) ?? -Infinity, row.id));
  }
  return new Set(newest.values());
}
