import { PlexNotFoundError } from '../../plex/errors';
import type { PlexTvApi } from '../../plex/plex-tv.client';
import type { RunContext } from './context';
import { removalDue, type UserEvaluation } from './rules';

/**
 * Removes expired users' shares from the owner's Plex servers once the grace period is over.
 * The shares removed on plex.tv are deleted here, logged and the removal completed in one
 * transaction per user; a user stays marked for removal (users.plex_removal_due_at) until every share is gone, so a plex.tv failure
 * is retried by the next run. Permanent users never reach this: they never expire.
 */
export async function removeExpired(ctx: RunContext, plex: () => PlexTvApi, evaluations: UserEvaluation[]): Promise<void> {
  const due = evaluations.filter((e) => removalDue(e, ctx.now));
  // A mark whose reason is gone (renewed, or nothing left to remove) is cleared.
  const stale = evaluations.filter((e) => e.user.plexRemovalDueAt && !due.includes(e)).map((e) => e.user.id);
  if (ctx.dryRun) {
    for (const { user } of due) {
      ctx.report.done({ plexId: user.plexId, title: user.title, action: 'plex-removal', detail: `unshare ${user.shares.map((s) => s.serverName).join(', ')}` });
    }
    return;
  }
  const unmarked = due.filter((e) => !e.user.plexRemovalDueAt).map((e) => e.user.id);
  if (unmarked.length > 0 || stale.length > 0) {
    await ctx.store.read(async (r) => {
      if (unmarked.length > 0) await r.subscriptions.markRemovalDue(unmarked, ctx.now);
      if (stale.length > 0) await r.subscriptions.clearRemovalDue(stale);
    });
  }
  if (due.length === 0) return;
  let api: PlexTvApi;
  try {
    api = plex();
  } catch (error) {
    // No PLEX_TOKEN: every due user stays marked and is listed as a failure.
    for (const { user } of due) ctx.report.failed(user.plexId, 'plex-removal', (error as Error).message);
    return;
  }
  for (const evaluation of due) {
    // Unsharing is the one effect that cannot be taken back: never without the lease.
    ctx.signal?.throwIfAborted();
    await removeUser(ctx, api, evaluation);
  }
}

async function removeUser(ctx: RunContext, api: PlexTvApi, evaluation: UserEvaluation): Promise<void> {
  const { user } = evaluation;
  const endedAt = evaluation.status.kind === 'expired' ? evaluation.status.endedAt : null;
  const errors: string[] = [];
  const removed: typeof user.shares = [];
  for (const share of user.shares) {
    try {
      await api.unshare(share.machineIdentifier, share.plexShareId);
    } catch (error) {
      // Already gone on plex.tv: the share is as good as removed.
      if (!(error instanceof PlexNotFoundError)) {
        errors.push(`${share.serverName}: ${(error as Error).message}`);
        continue;
      }
    }
    removed.push(share);
  }
  const reason = errors.join('; ');
  try {
    // The shares' deletion, their log and the completion land together: were the completion
    // (plex_removed_end_at) lost on its own, a user the admin re-invited would be removed again.
    await ctx.store.transaction(async (r) => {
      if (removed.length > 0) await r.shares.deleteByIds(removed.map((s) => s.id));
      for (const share of removed) {
        await r.plexRemovals.record(
          { userId: user.id, machineIdentifier: share.machineIdentifier, serverName: share.serverName, plexShareId: share.plexShareId, endedAt },
          ctx.now,
        );
      }
      if (errors.length === 0) await r.subscriptions.completeRemoval(user.id, endedAt, ctx.now);
      else await r.subscriptions.setRemovalError(user.id, reason);
    });
  } catch (error) {
    // Nothing was written: the user stays marked, and the next run finds the shares gone (404) and records them.
    const message = `unshared on plex.tv but not recorded: ${(error as Error).message} (still marked for removal: retried next run)`;
    ctx.report.failed(user.plexId, 'plex-removal', message);
    ctx.logger.warn({ plexId: user.plexId, reason: (error as Error).message }, 'lifecycle: removal from Plex not recorded');
    return;
  }
  if (errors.length === 0) {
    ctx.report.done({ plexId: user.plexId, title: user.title, action: 'plex-removal', detail: `unshared ${removed.map((s) => s.serverName).join(', ')}` });
    return;
  }
  ctx.report.failed(user.plexId, 'plex-removal', `${reason} (still marked for removal: retried next run)`);
  ctx.logger.warn({ plexId: user.plexId, reason }, 'lifecycle: removal from Plex failed');
}
