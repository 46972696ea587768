import type { UserClass } from '../../entities';
import type { Clock } from '../config/clock';
import type { PlanRow } from '../repositories/plan.repository';
import type { ServerRow } from '../repositories/server.repository';
import type { Store } from '../repositories/store';
import { DomainError, NotFoundError } from './errors';
import { formatDuration, parseDuration, parsePrice } from './plan-rules';
import { syncServers } from './sync-common';
import type { PlexServer } from '../plex/schemas';

export interface PlanView {
  name: string;
  duration: string;
  durationValue: number;
  durationUnit: 'day' | 'month';
  price: string;
  priceCents: number;
  currency: string;
  default: boolean;
}

export interface ServerView {
  machineIdentifier: string;
  name: string;
  importAs: UserClass;
  enabled: boolean;
}

export function planView(p: PlanRow): PlanView {
  return {
    name: p.name,
    duration: formatDuration({ value: p.durationValue, unit: p.durationUnit }),
    durationValue: p.durationValue,
    durationUnit: p.durationUnit,
    price: (p.priceCents / 100).toFixed(2),
    priceCents: p.priceCents,
    currency: p.currency,
    default: p.isDefault,
  };
}

function serverView(s: ServerRow): ServerView {
  return { machineIdentifier: s.machineIdentifier, name: s.name, importAs: s.importAs, enabled: s.enabled };
}

/** Plans and the media-server integration settings. */
export class CatalogService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly defaultCurrency: string,
  ) {}

  /** The first plan becomes the default, so there is always exactly one once plans exist. */
  async createPlan(input: { name: string; duration: string; price: string; currency?: string; makeDefault?: boolean }): Promise<PlanView> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw new DomainError('plan name must be 1 to 100 characters');
    const duration = parseDuration(input.duration);
    const priceCents = parsePrice(input.price);
    const currency = (input.currency ?? this.defaultCurrency).trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) throw new DomainError(`currency "${input.currency}" is not a 3-letter code like USD`);
    return this.store.transaction(async (repos) => {
      if (await repos.plans.findByName(name)) throw new DomainError(`a plan named "${name}" already exists`);
      const now = this.clock.now();
      const isFirst = (await repos.plans.count()) === 0;
      await repos.plans.insert({ name, durationValue: duration.value, durationUnit: duration.unit, priceCents, currency }, isFirst, now);
      const created = (await repos.plans.findByName(name))!;
      if (input.makeDefault && !isFirst) await repos.plans.makeDefault(created.id, now);
      return planView((await repos.plans.findByName(name))!);
    });
  }

  async listPlans(): Promise<PlanView[]> {
    return (await this.store.read((repos) => repos.plans.list())).map(planView);
  }

  /** Changes a plan; payments already made keep their periods. Unset fields stay as they are. */
  async editPlan(name: string, changes: { name?: string; duration?: string; price?: string; currency?: string }): Promise<PlanView> {
    const duration = changes.duration ? parseDuration(changes.duration) : null;
    const priceCents = changes.price ? parsePrice(changes.price) : null;
    const currency = changes.currency?.trim().toUpperCase();
    if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) throw new DomainError(`currency "${changes.currency}" is not a 3-letter code like USD`);
    const newName = changes.name?.trim();
    if (newName !== undefined && (newName.length < 1 || newName.length > 100)) throw new DomainError('plan name must be 1 to 100 characters');
    return this.store.transaction(async (repos) => {
      const plan = await repos.plans.findByName(name);
      if (!plan) throw new NotFoundError(`no plan named "${name}"`);
      if (newName && newName !== plan.name && (await repos.plans.findByName(newName))) throw new DomainError(`a plan named "${newName}" already exists`);
      await repos.plans.update(
        plan.id,
        {
          name: newName ?? plan.name,
          durationValue: duration?.value ?? plan.durationValue,
          durationUnit: duration?.unit ?? plan.durationUnit,
          priceCents: priceCents ?? plan.priceCents,
          currency: currency ?? plan.currency,
        },
        this.clock.now(),
      );
      return planView((await repos.plans.findByName(newName ?? plan.name))!);
    });
  }

  async setDefaultPlan(name: string): Promise<PlanView> {
    return this.store.transaction(async (repos) => {
      const plan = await repos.plans.findByName(name);
      if (!plan) throw new NotFoundError(`no plan named "${name}"`);
      await repos.plans.makeDefault(plan.id, this.clock.now());
      return planView((await repos.plans.findByName(name))!);
    });
  }

  async listServers(): Promise<ServerView[]> {
    return (await this.store.read((repos) => repos.servers.list())).map(serverView);
  }

  /**
   * Records the owner's servers as plex.tv lists them (the same as a sync does) with the import
   * class chosen for each: the setup wizard asks before the first sync ever ran.
   */
  async registerServers(servers: PlexServer[], importAs: Map<string, UserClass>, defaultImportAs: UserClass): Promise<ServerView[]> {
    return this.store.transaction(async (repos) => {
      const now = this.clock.now();
      const rows = await syncServers(repos, servers, defaultImportAs, now, false);
      for (const row of rows) {
        const chosen = importAs.get(row.machineIdentifier);
        if (chosen && chosen !== row.importAs) await repos.servers.updateSettings(row.id, { importAs: chosen }, now);
      }
      return (await repos.servers.list()).map(serverView);
    });
  }

  async updateServer(machineIdentifier: string, settings: { importAs?: UserClass; enabled?: boolean }): Promise<ServerView> {
    return this.store.transaction(async (repos) => {
      const server = await repos.servers.findByMachineIdentifier(machineIdentifier);
      if (!server) {
        throw new NotFoundError(`no server with machine identifier "${machineIdentifier}": run a sync first, then see the servers list`);
      }
      await repos.servers.updateSettings(server.id, settings, this.clock.now());
      return serverView((await repos.servers.findByMachineIdentifier(machineIdentifier))!);
    });
  }
}
