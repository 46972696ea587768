import type { SyncKind, UserClass } from '../../entities';
import type { Clock } from '../config/clock';
import type { PlexTvApi } from '../plex/plex-tv.client';
import type { PlexServer } from '../plex/schemas';
import type { ServerRow } from '../repositories/server.repository';
import type { Repositories, Store } from '../repositories/store';
import type { ProgressListener } from './progress';
import type { LockService } from './lock.service';
import { aliveRuns, recordRun, RUN_LOCKS } from './recorded-run';

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
export const SYNC_LOCK = RUN_LOCKS.plexSync;

/** Runs a sync under the sync lock and records it in sync_runs, also when it fails. */
export async function runRecorded<T>(
  deps: SyncDeps,
  kind: SyncKind,
  work: (signal: AbortSignal) => Promise<T>,
  counts: (result: T) => Record<string, number>,
): Promise<T> {
  return deps.locks.withLock(SYNC_LOCK, ({ signal }) => recordRun(deps, kind, () => work(signal), counts));
}

/**
 * Marks the runs a dead process left "running" as abandoned: those whose lock is free, and all but
 * the newest of those whose lock is held (see aliveRuns).
 */
export async function abandonDeadRuns(store: Store, clock: Clock): Promise<number> {
  return store.transaction(async (r) => {
    const running = await r.syncRuns.running();
    if (running.length === 0) return 0;
    const alive = aliveRuns(running, new Set(await r.locks.liveNames()));
    return r.syncRuns.abandon(
      running.filter((row) => !alive.has(row.id)).map((row) => row.id),
      clock.now(),
    );
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
