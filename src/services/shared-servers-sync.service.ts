import type { PlexShare } from '../plex/schemas';
import type { ServerRow } from '../repositories/server.repository';
import type { ShareFields, ShareRow } from '../repositories/shared-server.repository';
import { noProgress, type ProgressListener } from './progress';
import { checkingProgress, runRecorded, syncServers, type SyncDeps } from './sync-common';

/** plex.tv requests in flight at once: one request per server, but not all servers at the same moment. */
const PARALLEL_REQUESTS = 4;

/** Runs `work` on every item, at most `limit` at a time; the first failure fails the whole. */
async function mapConcurrently<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export interface ServerShareSummary {
  machineIdentifier: string;
  serverName: string;
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
  pending: number;
}

export interface SharedServersSyncSummary {
  servers: ServerShareSummary[];
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Shares of plex.tv users the database does not know yet: run the users sync first. */
  skippedUnknownUsers: number;
  durationMs: number;
}

/**
 * The shared-servers sync: for each owned, enabled server, which users share it, since when,
 * pending or not, and which libraries. Everything is fetched first, then written in one
 * transaction, so a failure anywhere leaves the database as it was.
 */
export class SharedServersSyncService {
  constructor(private readonly deps: SyncDeps) {}

  async run(options: { onProgress?: ProgressListener } = {}): Promise<SharedServersSyncSummary> {
    const onProgress = options.onProgress ?? noProgress;
    return runRecorded(
      this.deps,
      'shared-servers',
      async (signal) => {
        const started = Date.now();
        const progress = checkingProgress(onProgress, signal);
        const plexServers = await this.deps.plex.getOwnedServers();
        const settings = new Map(
          (await this.deps.store.read((r) => r.servers.list())).map((s) => [s.machineIdentifier, s.enabled]),
        );
        const enabled = plexServers.filter((s) => settings.get(s.machineIdentifier) !== false);
        const fetched = new Map<string, FetchedShare[]>();
        let fetchedCount = 0;
        progress({ phase: 'fetching shares from plex.tv', done: 0, total: enabled.length });
        await mapConcurrently(enabled, PARALLEL_REQUESTS, async (server) => {
          fetched.set(server.machineIdentifier, compactShares(await this.deps.plex.getShares(server.machineIdentifier)));
          progress({ phase: 'fetching shares from plex.tv', done: ++fetchedCount, total: enabled.length });
        });
        progress({ phase: 'writing shares', done: 0, total: enabled.length });
        const summary = await this.deps.store.transaction(async (repos) => {
          const now = this.deps.clock.now();
          const servers = await syncServers(repos, plexServers, this.deps.defaultImportAs, now, false);
          const userIds = await repos.users.idsByPlexId();
          const result: SharedServersSyncSummary = {
            servers: [],
            created: 0,
            updated: 0,
            unchanged: 0,
            removed: 0,
            skippedUnknownUsers: 0,
            durationMs: 0,
          };
          let done = 0;
          for (const server of servers) {
            const shares = fetched.get(server.machineIdentifier);
            if (!shares) continue;
            const existing = await repos.shares.listForServer(server.id);
            const diff = diffShares(server, shares, existing, userIds);
            await repos.shares.upsertMany(diff.upserts, now);
            await repos.shares.deleteByIds(diff.removedIds);
            result.servers.push(diff.summary);
            result.created += diff.summary.created;
            result.updated += diff.summary.updated;
            result.unchanged += diff.summary.unchanged;
            result.removed += diff.summary.removed;
            result.skippedUnknownUsers += diff.skippedUnknownUsers;
            progress({ phase: 'writing shares', done: ++done, total: enabled.length });
          }
          // The last moment to give up: throwing here rolls the whole sync back.
          signal.throwIfAborted();
          return result;
        });
        summary.durationMs = Date.now() - started;
        return summary;
      },
      (s) => ({ created: s.created, updated: s.updated, unchanged: s.unchanged, removed: s.removed, skippedUnknownUsers: s.skippedUnknownUsers }),
    );
  }
}

/**
 * What the sync keeps of a fetched share until it writes (every server's list is held until then).
 * Instants are kept as milliseconds: a Date is an object of ~100 bytes, two per share, and with
 * every user on every server 200,000 shares wait in memory for the write.
 */
interface FetchedShare {
  shareId: number;
  plexUserId: number;
  invitedAtMs: number | null;
  acceptedAtMs: number | null;
  pending: boolean;
  allLibraries: boolean;
  libraries: string[];
}

/**
 * Drops what the sync does not store (username, email) and shares one array among shares with the
 * same libraries.
 */
function compactShares(shares: PlexShare[]): FetchedShare[] {
  const libraryLists = new Map<string, string[]>();
  return shares.map((s) => {
    const key = s.libraries.join('\u0000');
    let libraries = libraryLists.get(key);
    if (!libraries) libraryLists.set(key, (libraries = s.libraries));
    return {
      shareId: s.shareId,
      plexUserId: s.plexUserId,
      invitedAtMs: s.invitedAt?.getTime() ?? null,
      acceptedAtMs: s.acceptedAt?.getTime() ?? null,
      pending: s.pending,
      allLibraries: s.allLibraries,
      libraries,
    };
  });
}

const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function diffShares(server: ServerRow, shares: FetchedShare[], existing: ShareRow[], userIds: Map<number, number>) {
  const byUser = new Map(existing.map((s) => [s.userId, s]));
  const summary: ServerShareSummary = {
    machineIdentifier: server.machineIdentifier,
    serverName: server.name,
    created: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    pending: 0,
  };
  const upserts: ShareFields[] = [];
  const kept = new Set<number>();
  let skippedUnknownUsers = 0;
  for (const share of shares) {
    const userId = userIds.get(share.plexUserId);
    if (userId === undefined) {
      skippedUnknownUsers++;
      continue;
    }
    if (kept.has(userId)) continue;
    kept.add(userId);
    if (share.pending) summary.pending++;
    const old = byUser.get(userId);
    if (old && sameShare(old, share)) {
      summary.unchanged++;
      continue;
    }
    if (old) summary.updated++;
    else summary.created++;
    upserts.push({
      userId,
      serverId: server.id,
      plexShareId: share.shareId,
      invitedAt: toDate(share.invitedAtMs),
      acceptedAt: toDate(share.acceptedAtMs),
      pending: share.pending,
      allLibraries: share.allLibraries,
      libraries: share.libraries,
    });
  }
  const removedIds = existing.filter((s) => !kept.has(s.userId)).map((s) => s.id);
  summary.removed = removedIds.length;
  return { summary, upserts, removedIds, skippedUnknownUsers };
}

function sameShare(a: ShareFields, b: FetchedShare): boolean {
  return (
    a.plexShareId === b.shareId &&
    (a.invitedAt?.getTime() ?? null) === b.invitedAtMs &&
    (a.acceptedAt?.getTime() ?? null) === b.acceptedAtMs &&
    a.pending === b.pending &&
    a.allLibraries === b.allLibraries &&
    a.libraries.length === b.libraries.length &&
    a.libraries.every((title, i) => title === b.libraries[i])
  );
}
