import type { UserClass } from '../../entities';
import type { PlexServer, PlexUser } from '../plex/schemas';
import type { PlexFields, UserSyncRow } from '../repositories/user.repository';
import type { Repositories } from '../repositories/store';
import { NoDefaultPlanError } from './errors';
import { attachInvite, matchInvite } from './invite.service';
import { addDuration } from './plan-rules';
import { noProgress, type ProgressListener } from './progress';
import { checkingProgress, runRecorded, syncServers, type SyncDeps } from './sync-common';

export interface UserChange {
  plexId: number;
  title: string;
  fields?: string[];
  userClass?: UserClass;
}

export interface UsersSyncSummary {
  dryRun: boolean;
  created: number;
  createdStandard: number;
  createdPermanent: number;
  defaultPayments: number;
  updated: number;
  restored: number;
  unchanged: number;
  removed: number;
  durationMs: number;
  changes: { created: UserChange[]; updated: UserChange[]; removed: UserChange[] };
}

const PLEX_FIELDS: Array<keyof PlexFields> = ['username', 'email', 'title', 'thumb', 'home'];

/**
 * The users sync: plex.tv's list of the owner's friends becomes the users table. Known users get
 * their plex.tv fields updated and nothing else; new users are created with the class their
 * servers' setting gives, and new standard users a default payment; users gone are marked removed.
 */
export class UsersSyncService {
  constructor(private readonly deps: SyncDeps) {}

  async run(options: { dryRun?: boolean; onProgress?: ProgressListener } = {}): Promise<UsersSyncSummary> {
    const dryRun = options.dryRun ?? false;
    const onProgress = options.onProgress ?? noProgress;
    const work = async (signal?: AbortSignal): Promise<UsersSyncSummary> => {
      const started = Date.now();
      const progress = checkingProgress(onProgress, signal);
      progress({ phase: 'fetching servers and users from plex.tv', done: 0, total: 1 });
      const [servers, plexUsers] = await Promise.all([this.deps.plex.getOwnedServers(), this.deps.plex.getUsers()]);
      progress({ phase: 'fetching servers and users from plex.tv', done: 1, total: 1 });
      const write = async (repos: Repositories) => {
        const summary = await this.apply(repos, servers, plexUsers, dryRun, progress);
        // The last moment to give up: throwing here rolls the whole sync back.
        signal?.throwIfAborted();
        summary.durationMs = Date.now() - started;
        return summary;
      };
      // A dry run reads the same snapshot but writes nothing at all.
      return dryRun ? this.deps.store.read(write) : this.deps.store.transaction(write);
    };
    if (dryRun) return work();
    return runRecorded(this.deps, 'users', work, (s) => ({
      created: s.created,
      updated: s.updated,
      unchanged: s.unchanged,
      removed: s.removed,
      defaultPayments: s.defaultPayments,
    }));
  }

  private async apply(
    repos: Repositories,
    plexServers: PlexServer[],
    plexUsers: PlexUser[],
    dryRun: boolean,
    onProgress: ProgressListener,
  ): Promise<UsersSyncSummary> {
    const now = this.deps.clock.now();
    const servers = await syncServers(repos, plexServers, this.deps.defaultImportAs, now, dryRun);
    const permanentServers = new Set(servers.filter((s) => s.enabled && s.importAs === 'permanent').map((s) => s.machineIdentifier));
    const known = new Map<number, UserSyncRow>((await repos.users.loadSyncSnapshot()).map((u) => [u.plexId, u]));

    const summary: UsersSyncSummary = {
      dryRun,
      created: 0,
      createdStandard: 0,
      createdPermanent: 0,
      defaultPayments: 0,
      updated: 0,
      restored: 0,
      unchanged: 0,
      removed: 0,
      durationMs: 0,
      changes: { created: [], updated: [], removed: [] },
    };
    const toCreate: Array<PlexFields & { userClass: UserClass }> = [];
    // Friends invited by an e-mail with no Plex account: created from their invite once plex.tv shows them.
    const awaiting = await repos.invites.listByStatus(['awaiting-account']);
    const toAttach: Array<{ invite: (typeof awaiting)[number]; user: PlexUser }> = [];
    const toUpdate: Array<PlexFields & { userClass: UserClass }> = [];
    const seen = new Set<number>();

    for (const plexUser of plexUsers) {
      if (seen.has(plexUser.plexId)) continue;
      seen.add(plexUser.plexId);
      const fields: PlexFields = {
        plexId: plexUser.plexId,
        username: plexUser.username,
        email: plexUser.email,
        title: plexUser.title,
        thumb: plexUser.thumb,
        home: plexUser.home,
      };
      const existing = known.get(plexUser.plexId);
      const invite = existing ? undefined : matchInvite(awaiting, plexUser);
      if (invite) {
        awaiting.splice(awaiting.indexOf(invite), 1);
        toAttach.push({ invite, user: plexUser });
        summary.changes.created.push({ plexId: fields.plexId, title: fields.title, userClass: 'standard' });
        continue;
      }
      if (!existing) {
        const userClass: UserClass = plexUser.servers.some((s) => permanentServers.has(s.machineIdentifier)) ? 'permanent' : 'standard';
        toCreate.push({ ...fields, userClass });
        summary.changes.created.push({ plexId: fields.plexId, title: fields.title, userClass });
        continue;
      }
      const changed = PLEX_FIELDS.filter((f) => existing[f] !== fields[f]);
      const restored = existing.removedAt !== null;
      if (changed.length === 0 && !restored) {
        summary.unchanged++;
        continue;
      }
      toUpdate.push({ ...fields, userClass: existing.userClass });
      summary.updated++;
      if (restored) summary.restored++;
      summary.changes.updated.push({ plexId: fields.plexId, title: fields.title, fields: restored ? [...changed, 'restored'] : changed });
    }
    const toRemove = [...known.values()].filter((u) => u.removedAt === null && !seen.has(u.plexId));
    summary.removed = toRemove.length;
    summary.changes.removed = toRemove.map((u) => ({ plexId: u.plexId, title: u.title }));
    summary.created = toCreate.length + toAttach.length;
    summary.createdStandard = toCreate.filter((u) => u.userClass === 'standard').length + toAttach.length;
    summary.createdPermanent = summary.created - summary.createdStandard;
    summary.defaultPayments = summary.createdStandard - toAttach.length;

    // The default plan is checked before anything is written.
    const defaultPlan = summary.defaultPayments > 0 ? await repos.plans.findDefault() : null;
    if (summary.defaultPayments > 0 && !defaultPlan) throw new NoDefaultPlanError(summary.defaultPayments);
    if (dryRun) return summary;

    for (const { invite, user } of toAttach) {
      await attachInvite(repos, invite, { plexUserId: user.plexId, username: user.username, email: user.email, title: user.title }, invite.shares.map((x) => x.machineIdentifier), this.deps.defaultImportAs, now);
    }
    const total = toCreate.length + toUpdate.length + toRemove.length;
    onProgress({ phase: 'writing users', done: 0, total });
    if (toCreate.length > 0) {
      const ids = await repos.users.insertMany(toCreate, now);
      if (defaultPlan) {
        const endsAt = addDuration(now, { value: defaultPlan.durationValue, unit: defaultPlan.durationUnit });
        await repos.payments.insertMany(
          toCreate
            .filter((u) => u.userClass === 'standard')
            .map((u) => ({
              userId: ids.get(u.plexId)!,
              planId: defaultPlan.id,
              startsAt: now,
              endsAt,
              amountCents: defaultPlan.priceCents,
              currency: defaultPlan.currency,
              subscriptionId: null,
              transactionId: null,
              source: 'default' as const,
              isDefault: true,
            })),
          now,
        );
      }
    }
    onProgress({ phase: 'writing users', done: toCreate.length, total });
    await repos.users.updatePlexFields(toUpdate, now);
    await repos.users.markRemoved(
      toRemove.map((u) => u.id),
      now,
    );
    onProgress({ phase: 'writing users', done: total, total });
    return summary;
  }
}
