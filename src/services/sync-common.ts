import type { SyncKind, UserClass } from '../../entities';
import type { Clock } from '../config/clock';
import type { PlexTvApi } from '../plex/plex-tv.client';
import type { PlexServer } from '../plex/schemas';
import type { ServerRow } from '../repositories/server.repository';
import type { Repositories, Store } from '../repositories/store';
import type { ProgressListener } from './progress';
import type { LockService } from './lock.service';

/** What both syncs are built from. */
export interface SyncDeps {
  store: Store;
  plex: PlexTvApi;
  clock: Clock;
  locks: LockService;
  /** The class given to users of a server seen for the first time, until an admin changes it. */
  defaultImportAs: UserClass;
}

/** The lock both syncs share: they write the same tables. */
export const SYNC_LOCK = 'plex-sync';

/**
 * Runs a sync under the sync lock and records it in sync_runs, also when it fails
 * (the record is written outside the sync's transaction, so a rollback keeps it).
 */
export async function runRecorded<T>(
  deps: SyncDeps,
  kind: SyncKind,
  work: (signal: AbortSignal) => Promise<T>,
  counts: (result: T) => Record<string, number>,
): Promise<T> {
  return deps.locks.withLock(SYNC_LOCK, async ({ signal }) => {
    const runId = await deps.store.read((r) => r.syncRuns.start(kind, deps.clock.now()));
    try {
      const result = await work(signal);
      await deps.store.read((r) => r.syncRuns.finish(runId, 'succeeded', deps.clock.now(), counts(result), null));
      return result;
    } catch (error) {
      await deps.store
        .read((r) => r.syncRuns.finish(runId, 'failed', deps.clock.now(), null, (error as Error).message))
        .catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Marks the sync runs a dead process left "running" as abandoned. Syncs never overlap (they
 * share one lock), so when the lock is free no run is alive, and when it is held only the newest
 * run can be its holder's.
 */
export async function abandonDeadRuns(store: Store, clock: Clock): Promise<number> {
  return store.transaction(async (r) => {
    const held = (await r.locks.liveHolder(SYNC_LOCK)) !== null;
    return r.syncRuns.abandonRunning(clock.now(), { keepNewest: held });
  });
}

/** A progress listener that also stops the work between batches once the lease is lost. */
export function checkingProgress(onProgress: ProgressListener, signal: AbortSignal | undefined): ProgressListener {
  return (progress) => {
    signal?.throwIfAborted();
    onProgress(progress);
  };
}

/**
 * Brings media_servers in line with the owner's servers on plex.tv: new ones are added with
 * the default import setting, renamed ones renamed. Answers every known server afterwards.
 */
export async function syncServers(
  repos: Repositories,
  plexServers: PlexServer[],
  defaultImportAs: UserClass,
  now: Date,
  dryRun: boolean,
): Promise<ServerRow[]> {
  const known = new Map((await repos.servers.list()).map((s) => [s.machineIdentifier, s]));
  const added = plexServers.filter((s) => !known.has(s.machineIdentifier));
  if (dryRun) {
    return [
      ...known.values(),
      ...added.map((s) => ({ id: -1, machineIdentifier: s.machineIdentifier, name: s.name, importAs: defaultImportAs, enabled: true, createdAt: now, updatedAt: now })),
    ];
  }
  if (added.length > 0) {
    await repos.servers.insert(
      added.map((s) => ({ machineIdentifier: s.machineIdentifier, name: s.name, importAs: defaultImportAs })),
      now,
    );
  }
  for (const server of plexServers) {
    const row = known.get(server.machineIdentifier);
    if (row && row.name !== server.name) await repos.servers.rename(row.id, server.name, now);
  }
  return added.length > 0 || plexServers.some((s) => known.get(s.machineIdentifier)?.name !== s.name)
    ? repos.servers.list()
    : [...known.values()];
}
