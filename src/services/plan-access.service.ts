import type { Clock } from '../config/clock';
import { PlexNotFoundError } from '../plex/errors';
import type { PlexLibrary, PlexSharingApi } from '../plex/plex-sharing.client';
import type { PlanAccessRow } from '../repositories/plan-access.repository';
import type { PlanRenewRow } from '../repositories/plan-renew.repository';
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

/** A plan's renew stage: expired users keep these libraries for `days` days before removal. */
export interface PlanRenewView {
  days: number;
  access: PlanAccessView[];
}

export type PlanWithAccess = PlanView & { access: PlanAccessView[]; renew: PlanRenewView | null };

/** `libraries`: keep these titles on the server (days: the stage's length, kept as it is when omitted); `none`: off. */
export type RenewChoice = { kind: 'libraries'; titles: string[]; days?: number } | { kind: 'none' };

/** The longest renew stage: a year is already generous for a "how to renew" poster. */
export const MAX_RENEW_DAYS = 365;

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

function renewView(r: PlanRenewRow | null | undefined): PlanRenewView | null {
  if (!r) return null;
  return { days: r.days, access: r.access.map((a) => ({ machineIdentifier: a.machineIdentifier, serverName: a.serverName, allLibraries: false, libraries: a.libraryTitles })) };
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
    const { plans, access, renew } = await this.store.read(async (repos) => ({
      plans: await repos.plans.list(),
      access: await repos.planAccess.listAll(),
      renew: await repos.planRenew.listAll(),
    }));
    return plans.map((p) => ({ ...planView(p), access: access.filter((a) => a.planId === p.id).map(accessView), renew: renewView(renew.find((r) => r.planId === p.id)) }));
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
        if (choice.titles.every((t) => t.trim() === '')) throw new DomainError('name at least one library, or choose all libraries');
        titles = matchTitles(server, choice.titles);
      }
      await this.store.transaction((repos) =>
        repos.planAccess.upsert(
          { planId: plan.id, machineIdentifier, serverName: server.name, allLibraries: choice.kind === 'all', libraryTitles: titles },
          this.clock.now(),
        ),
      );
    }
    return this.planWithAccess(plan.id);
  }

  /**
   * Sets (or turns off) the plan's renew stage on one server: the titles are checked against the
   * server's libraries as plex.tv lists them, like setAccess. `none` without a server turns the
   * whole stage off. Only a plan with access settings can have one: restoring a renewing user
   * gives the plan's access back, and a plan without any has nothing to give.
   */
  async setRenew(planName: string, machineIdentifier: string | null, choice: RenewChoice): Promise<PlanWithAccess> {
    const { plan, access, renew } = await this.store.read(async (repos) => {
      const found = await repos.plans.findByName(planName);
      if (!found) throw new NotFoundError(`no plan named "${planName}"`);
      return { plan: found, access: await repos.planAccess.listForPlan(found.id), renew: await repos.planRenew.findForPlan(found.id) };
    });
    if (choice.kind === 'none') {
      const removed = await this.store.transaction((repos) => repos.planRenew.remove(plan.id, machineIdentifier, this.clock.now()));
      if (!removed) throw new NotFoundError(machineIdentifier === null ? `plan "${plan.name}" has no renew stage` : `plan "${plan.name}" keeps nothing on ${machineIdentifier} while renewing`);
      return this.planWithAccess(plan.id);
    }
    if (machineIdentifier === null) throw new DomainError('name the server whose libraries the renew stage keeps');
    if (access.length === 0) throw new DomainError(`plan "${plan.name}" grants no access yet: set its access first (plans set-access), the renew stage reduces it`);
    const days = choice.days ?? renew?.days;
    if (days === undefined) throw new DomainError('say how many days the renew stage lasts');
    if (!Number.isInteger(days) || days < 1 || days > MAX_RENEW_DAYS) throw new DomainError(`the renew stage lasts 1 to ${MAX_RENEW_DAYS} days, not ${days}`);
    if (choice.titles.every((t) => t.trim() === '')) throw new DomainError('name at least one library to keep while renewing');
    const server = await this.serverLibraries(machineIdentifier);
    const titles = matchTitles(server, choice.titles);
    await this.store.transaction((repos) => repos.planRenew.upsert({ planId: plan.id, machineIdentifier, serverName: server.name, libraryTitles: titles }, days, this.clock.now()));
    return this.planWithAccess(plan.id);
  }

  /**
   * The plan's renew stage as plex.tv section ids (every server of the set, titles the server no
   * longer has reported as missing), with its length; null for a plan without one.
   */
  async resolveRenew(planName: string): Promise<{ days: number; access: ResolvedServerAccess[] } | null> {
    const renew = await this.store.read(async (repos) => {
      const plan = await repos.plans.findByName(planName);
      if (!plan) throw new NotFoundError(`no plan named "${planName}"`);
      return repos.planRenew.findForPlan(plan.id);
    });
    if (!renew) return null;
    const access: ResolvedServerAccess[] = [];
    for (const row of renew.access) {
      const server = await this.serverLibraries(row.machineIdentifier, row.serverName);
      const chosen: PlexLibrary[] = [];
      const missingLibraries: string[] = [];
      for (const title of row.libraryTitles) {
        const match = findLibrary(server.libraries, title);
        if (match) chosen.push(match);
        else missingLibraries.push(title);
      }
      access.push({
        machineIdentifier: row.machineIdentifier,
        serverName: server.name,
        allLibraries: false,
        librarySectionIds: chosen.map((l) => l.id),
        libraries: chosen.map((l) => l.title),
        missingLibraries,
      });
    }
    return { days: renew.days, access };
  }

  private planWithAccess(planId: number): Promise<PlanWithAccess> {
    return this.store.read(async (repos) => {
      const plan = (await repos.plans.list()).find((p) => p.id === planId)!;
      return { ...planView(plan), access: (await repos.planAccess.listForPlan(planId)).map(accessView), renew: renewView(await repos.planRenew.findForPlan(planId)) };
    });
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

/** The server's own titles for those named (deduplicated); a title it does not have is refused with the ones it has. */
function matchTitles(server: { name: string; libraries: PlexLibrary[] }, named: string[]): string[] {
  const wanted = [...new Set(named.map((t) => t.trim()).filter((t) => t !== ''))];
  const titles: string[] = [];
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
  return [...new Set(titles)];
}

/** The exact title first, then one that differs only in case or surrounding spaces. */
function findLibrary(libraries: PlexLibrary[], title: string): PlexLibrary | undefined {
  const wanted = title.trim();
  return libraries.find((l) => l.title === wanted) ?? libraries.find((l) => l.title.trim().toLowerCase() === wanted.toLowerCase());
}
