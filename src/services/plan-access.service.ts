import type { Clock } from '../config/clock';
import { PlexNotFoundError } from '../plex/errors';
import type { PlexLibrary, PlexSharingApi } from '../plex/plex-sharing.client';
import type { PlanAccessRow } from '../repositories/plan-access.repository';
import type { Store } from '../repositories/store';
import { planView, type PlanView } from './catalog.service';
import { DomainError, NotFoundError } from './errors';

/** What a plan grants on one server, as lists and `plans list --json` show it. */
export interface PlanAccessView {
  machineIdentifier: string;
  serverName: string;
  allLibraries: boolean;
  /** Titles (empty when allLibraries). */
  libraries: string[];
}

export type PlanWithAccess = PlanView & { access: PlanAccessView[] };

/** `all`: every library; `libraries`: these titles; `none`: the plan no longer shares this server. */
export type AccessChoice = { kind: 'all' } | { kind: 'libraries'; titles: string[] } | { kind: 'none' };

/** A plan's access on one server turned into what the share calls take. */
export interface ResolvedServerAccess {
  machineIdentifier: string;
  serverName: string;
  allLibraries: boolean;
  librarySectionIds: number[];
  libraries: string[];
  /** Titles the plan names that the server no longer has: reported, never silently dropped. */
  missingLibraries: string[];
}

function accessView(r: PlanAccessRow): PlanAccessView {
  return { machineIdentifier: r.machineIdentifier, serverName: r.serverName, allLibraries: r.allLibraries, libraries: r.allLibraries ? [] : r.libraryTitles };
}

/**
 * Which servers and libraries a plan grants. Titles are checked against the server's libraries as
 * plex.tv lists them when set, and matched to plex.tv section ids when resolved. A plan with no
 * access settings resolves to null: the bot leaves its users' shares as they are.
 */
export class PlanAccessService {
  constructor(
    private readonly store: Store,
    private readonly plex: () => PlexSharingApi,
    private readonly clock: Clock,
  ) {}

  async listPlans(): Promise<PlanWithAccess[]> {
    const { plans, access } = await this.store.read(async (repos) => ({ plans: await repos.plans.list(), access: await repos.planAccess.listAll() }));
    return plans.map((p) => ({ ...planView(p), access: access.filter((a) => a.planId === p.id).map(accessView) }));
  }

  async getAccess(planName: string): Promise<PlanAccessView[]> {
    return this.store.read(async (repos) => {
      const plan = await repos.plans.findByName(planName);
      if (!plan) throw new NotFoundError(`no plan named "${planName}"`);
      return (await repos.planAccess.listForPlan(plan.id)).map(accessView);
    });
  }

  /** Sets what the plan grants on one server; answers the plan's whole access afterwards. */
  async setAccess(planName: string, machineIdentifier: string, choice: AccessChoice): Promise<PlanWithAccess> {
    const plan = await this.store.read((repos) => repos.plans.findByName(planName));
    if (!plan) throw new NotFoundError(`no plan named "${planName}"`);
    if (choice.kind === 'none') {
      const removed = await this.store.transaction((repos) => repos.planAccess.remove(plan.id, machineIdentifier));
      if (!removed) throw new NotFoundError(`plan "${plan.name}" does not share the server ${machineIdentifier}`);
    } else {
      const server = await this.serverLibraries(machineIdentifier);
      let titles: string[] = [];
      if (choice.kind === 'libraries') {
        const wanted = [...new Set(choice.titles.map((t) => t.trim()).filter((t) => t !== ''))];
        if (wanted.length === 0) throw new DomainError('name at least one library, or choose all libraries');
        const unknown: string[] = [];
        for (const title of wanted) {
          const match = findLibrary(server.libraries, title);
          if (match) titles.push(match.title);
          else unknown.push(title);
        }
        if (unknown.length > 0) {
          throw new DomainError(
            `${server.name} has no ${unknown.length === 1 ? 'library' : 'libraries'} ${unknown.map((t) => `"${t}"`).join(', ')}; ` +
              `its libraries are: ${server.libraries.map((l) => `"${l.title}"`).join(', ') || '(none)'}`,
          );
        }
        titles = [...new Set(titles)];
      }
      await this.store.transaction((repos) =>
        repos.planAccess.upsert(
          { planId: plan.id, machineIdentifier, serverName: server.name, allLibraries: choice.kind === 'all', libraryTitles: titles },
          this.clock.now(),
        ),
      );
    }
    return this.store.read(async (repos) => ({ ...planView(plan), access: (await repos.planAccess.listForPlan(plan.id)).map(accessView) }));
  }

  /**
   * What an admin picks from for one server (the bot's select menus): the server's libraries as
   * plex.tv lists them now, and what the plan grants there today (null: it does not share it).
   */
  async serverChoices(planName: string, machineIdentifier: string): Promise<{ serverName: string; libraries: string[]; current: PlanAccessView | null }> {
    const current = (await this.getAccess(planName)).find((a) => a.machineIdentifier === machineIdentifier) ?? null;
    const server = await this.serverLibraries(machineIdentifier, current?.serverName);
    return { serverName: server.name, libraries: server.libraries.map((l) => l.title), current };
  }

  /**
   * The plan's access as plex.tv section ids, one entry per server, reading each server's
   * libraries from plex.tv; null for a plan without access settings.
   */
  async resolve(planName: string): Promise<ResolvedServerAccess[] | null> {
    const rows = await this.store.read(async (repos) => {
      const plan = await repos.plans.findByName(planName);
      if (!plan) throw new NotFoundError(`no plan named "${planName}"`);
      return repos.planAccess.listForPlan(plan.id);
    });
    if (rows.length === 0) return null;
    const resolved: ResolvedServerAccess[] = [];
    for (const row of rows) {
      const server = await this.serverLibraries(row.machineIdentifier, row.serverName);
      const chosen = row.allLibraries ? server.libraries : [];
      const missingLibraries: string[] = [];
      if (!row.allLibraries) {
        for (const title of row.libraryTitles) {
          const match = findLibrary(server.libraries, title);
          if (match) chosen.push(match);
          else missingLibraries.push(title);
        }
      }
      resolved.push({
        machineIdentifier: row.machineIdentifier,
        serverName: server.name,
        allLibraries: row.allLibraries,
        librarySectionIds: chosen.map((l) => l.id),
        libraries: chosen.map((l) => l.title),
        missingLibraries,
      });
    }
    return resolved;
  }

  private async serverLibraries(machineIdentifier: string, knownName?: string): Promise<{ name: string; libraries: PlexLibrary[] }> {
    try {
      return await this.plex().getServerLibraries(machineIdentifier);
    } catch (error) {
      if (error instanceof PlexNotFoundError) {
        throw new NotFoundError(`plex.tv does not list ${knownName ?? machineIdentifier} as one of your servers: check the machine identifier (see servers list)`);
      }
      throw error;
    }
  }
}

/** The exact title first, then one that differs only in case or surrounding spaces. */
function findLibrary(libraries: PlexLibrary[], title: string): PlexLibrary | undefined {
  const wanted = title.trim();
  return libraries.find((l) => l.title === wanted) ?? libraries.find((l) => l.title.trim().toLowerCase() === wanted.toLowerCase());
}
