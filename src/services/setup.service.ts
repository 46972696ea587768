import { randomUUID } from 'node:crypto';
import type { UserClass } from '../../entities';
import { ConfigError, loadConfig, type Config } from '../config/config';
import { EnvDocument, readEnvText, writeEnvFileAtomic } from '../config/env-file';
import { PlexError } from '../plex/errors';
import { plexSignInUrl, PLEX_PRODUCT, type PlexPin, type PlexPinApi } from '../plex/plex-pin.client';
import type { PlexServer } from '../plex/schemas';
import type { CatalogService, PlanView } from './catalog.service';
import {
  DiscordSetupError,
  type DiscordBotIdentity,
  type DiscordChannelInfo,
  type DiscordGuildDetails,
  type DiscordGuildSummary,
  type DiscordRoleInfo,
  type DiscordSetupPort,
} from './discord-setup-port';
import { DomainError } from './errors';
import { parseDuration, parsePrice } from './plan-rules';

/** Where a person types a 4-character PIN code. */
export const PLEX_LINK_URL = 'https://plex.tv/link';

/** The client identifier config falls back to: shared by every install, so setup replaces it with one of this install's own. */
const SHARED_CLIENT_IDENTIFIER = 'streams-manager-bot';

/** The variables the wizard writes (and nothing else). */
export const SETUP_VARIABLES = [
  'PLEX_TOKEN',
  'PLEX_CLIENT_IDENTIFIER',
  'DISCORD_TOKEN',
  'DISCORD_GUILD_ID',
  'DISCORD_SUBSCRIBER_ROLE_ID',
  'DISCORD_PERMANENT_ROLE_ID',
  'DISCORD_ADMIN_ROLE_ID',
  'DISCORD_ADMIN_CHANNEL_ID',
] as const;

export const SERVER_MEMBERS_INTENT_OFF =
  'the Server Members Intent is off: turn it on (Developer Portal > your application > Bot > Privileged Gateway Intents), or the bot cannot log in';

/** Values missing for a run without questions: exit code 2, each named as a flag and as a variable. */
export class SetupMissingValuesError extends DomainError {
  constructor(readonly missing: string[]) {
    super(`setup --non-interactive is missing ${missing.join(', ')}: nothing was written`);
  }
}

/** A value given to setup that names nothing (a role, a channel, a server) or cannot be used. */
export class SetupValueError extends DomainError {}

export interface SetupServiceDeps {
  /** The raw variables as the bot will see them: the .env file under the process environment. */
  env: Record<string, string | undefined>;
  envPath: string;
  /** Text to start from when there is no .env yet (the repository's .env.example, with its comments). */
  templateText: string | null;
  plexPins(clientIdentifier: string): PlexPinApi;
  plexServers(token: string, clientIdentifier: string): { getOwnedServers(): Promise<PlexServer[]> };
  discord(token: string): DiscordSetupPort;
  /** The plans and servers of the configured database (opened, and migrated, on first use). */
  catalog(): Promise<CatalogService>;
  /** How often plex.tv is asked whether the owner signed in. */
  pinPollMs: number;
  /** How often Discord is asked whether the bot was added to a server. */
  guildPollMs: number;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The current setup (from .env and the environment): the defaults of a second run. */
export interface CurrentSetup {
  plexToken: string | null;
  discordToken: string | null;
  guildId: string | null;
  subscriberRoleId: string | null;
  permanentRoleId: string | null;
  adminRoleId: string | null;
  adminChannelId: string | null;
  defaultImportAs: UserClass;
  defaultCurrency: string;
}

/** One sign-in: a 4-character code for plex.tv/link and a sign-in URL (its own strong PIN); either works. */
export interface PlexSignIn {
  code: string;
  linkUrl: string;
  signInUrl: string;
  expiresAt: Date;
  pins: PlexPin[];
}

export interface PlexAccountCheck {
  account: string | null;
  servers: PlexServer[];
}

export interface PlanInput {
  name: string;
  duration: string;
  price: string;
  currency?: string;
}

/** Everything the wizard decided; nothing is written until apply(). */
export interface SetupAnswers {
  plexToken: string;
  servers: Array<PlexServer & { importAs: UserClass }>;
  discordToken: string;
  guildId: string;
  subscriberRoleId: string;
  permanentRoleId: string | null;
  adminRoleId: string | null;
  adminChannelId: string | null;
  plan: PlanInput | null;
}

export interface SetupResult {
  envPath: string;
  /** What was written, tokens shown as "(hidden)". */
  written: Array<{ name: string; shown: string }>;
  servers: Array<{ name: string; importAs: UserClass }>;
  plan: PlanView | null;
  /** The plan asked for already existed (a re-run): left as it is. */
  planExisted: boolean;
}

export interface SetupCheck {
  ok: boolean;
  text: string;
}

/** What a run without questions gets from flags and variables (undefined: not given). */
export interface NonInteractiveInput {
  plexToken?: string;
  discordToken?: string;
  guild?: string;
  subscriberRole?: string;
  permanentRole?: string;
  adminRole?: string;
  adminChannel?: string;
  importAs?: string;
  planName?: string;
  planDuration?: string;
  planPrice?: string;
  planCurrency?: string;
}

/** How each input is named in a message: its flag and its variable. */
export const NON_INTERACTIVE_NAMES: Record<keyof NonInteractiveInput, string> = {
  plexToken: '--plex-token (or PLEX_TOKEN)',
  discordToken: '--discord-token (or DISCORD_TOKEN)',
  guild: '--guild (or DISCORD_GUILD_ID)',
  subscriberRole: '--subscriber-role (or DISCORD_SUBSCRIBER_ROLE_ID)',
  permanentRole: '--permanent-role (or DISCORD_PERMANENT_ROLE_ID)',
  adminRole: '--admin-role (or DISCORD_ADMIN_ROLE_ID)',
  adminChannel: '--admin-channel (or DISCORD_ADMIN_CHANNEL_ID)',
  importAs: '--import-as',
  planName: '--plan-name',
  planDuration: '--plan-duration',
  planPrice: '--plan-price',
  planCurrency: '--plan-currency',
};

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The first-run setup: signs the owner in to plex.tv with a PIN, checks the bot token, reads the
 * bot's servers, roles and channels, records each server's import class and the first plan, and
 * writes the answers into .env (keeping everything else in it). The prompts live in src/cli/setup.ts.
 */
export class SetupService {
  private readonly config: Config;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private generatedClientIdentifier: string | undefined;

  constructor(private readonly deps: SetupServiceDeps) {
    this.config = loadConfig(deps.env);
    this.sleep = deps.sleep ?? defaultSleep;
  }

  /** The .env file the answers go to. */
  get envPath(): string {
    return this.deps.envPath;
  }

  current(): CurrentSetup {
    const c = this.config;
    return {
      plexToken: c.PLEX_TOKEN ?? null,
      discordToken: c.DISCORD_TOKEN ?? null,
      guildId: c.DISCORD_GUILD_ID ?? null,
      subscriberRoleId: c.DISCORD_SUBSCRIBER_ROLE_ID ?? null,
      permanentRoleId: c.DISCORD_PERMANENT_ROLE_ID ?? null,
      adminRoleId: c.DISCORD_ADMIN_ROLE_ID ?? null,
      adminChannelId: c.DISCORD_ADMIN_CHANNEL_ID ?? null,
      defaultImportAs: c.DEFAULT_IMPORT_AS,
      defaultCurrency: c.DEFAULT_CURRENCY,
    };
  }

  /**
   * This install's stable plex.tv client identifier: the one configured, or (when none is, or it is
   * the shared default) a new one, written to .env with the token it signed in.
   */
  clientIdentifier(): string {
    const configured = this.deps.env.PLEX_CLIENT_IDENTIFIER?.trim();
    if (configured && configured !== SHARED_CLIENT_IDENTIFIER) return configured;
    return (this.generatedClientIdentifier ??= `streams-manager-${randomUUID()}`);
  }

  // ------------------------------------------------------------------ Plex

  async startPlexSignIn(): Promise<PlexSignIn> {
    const client = this.deps.plexPins(this.clientIdentifier());
    const [short, strong] = await Promise.all([client.createPin({ strong: false }), client.createPin({ strong: true })]);
    const now = Date.now();
    return {
      code: short.code,
      linkUrl: PLEX_LINK_URL,
      signInUrl: plexSignInUrl(this.config.PLEX_AUTH_URL, strong, this.clientIdentifier(), PLEX_PRODUCT),
      // The sign-in is over when the shorter-lived PIN expires: a new pair is made then.
      expiresAt: new Date(now + Math.min(short.expiresIn, strong.expiresIn) * 1000),
      pins: [short, strong],
    };
  }

  /** Polls both PINs until one carries the owner's token; 'expired' once plex.tv forgot them. */
  async waitForPlexToken(signIn: PlexSignIn, signal?: AbortSignal): Promise<string | 'expired'> {
    const client = this.deps.plexPins(this.clientIdentifier());
    for (;;) {
      let expired = 0;
      for (const pin of signIn.pins) {
        const state = await client.checkPin(pin.id);
        if (state === 'expired') expired++;
        else if (state.authToken) return state.authToken;
      }
      if (expired === signIn.pins.length || Date.now() >= signIn.expiresAt.getTime()) return 'expired';
      await this.sleep(this.deps.pinPollMs, signal);
    }
  }

  /** The token works for the owner's account: who it is (when plex.tv says) and the servers it owns. */
  async checkPlexToken(token: string): Promise<PlexAccountCheck> {
    const servers = await this.deps.plexServers(token, this.clientIdentifier()).getOwnedServers();
    let account: string | null = null;
    try {
      const me = await this.deps.plexPins(this.clientIdentifier()).whoIs(token);
      account = me.username ?? me.title ?? me.email;
    } catch {
      // Only for a friendlier message: the servers list already proved the token.
    }
    return { account, servers };
  }

  // ------------------------------------------------------------------ Discord

  async checkDiscordToken(token: string): Promise<DiscordBotIdentity & { inviteUrl: string }> {
    const discord = this.deps.discord(token);
    const identity = await discord.identify();
    return { ...identity, inviteUrl: discord.inviteLink(identity.applicationId) };
  }

  async botGuilds(token: string): Promise<DiscordGuildSummary[]> {
    return this.deps.discord(token).guilds();
  }

  /** Waits until the bot is in at least one server (the owner opened the invite link). */
  async waitForBotGuilds(token: string, signal?: AbortSignal): Promise<DiscordGuildSummary[]> {
    const discord = this.deps.discord(token);
    for (;;) {
      const guilds = await discord.guilds();
      if (guilds.length > 0) return guilds;
      await this.sleep(this.deps.guildPollMs, signal);
    }
  }

  async guildDetails(token: string, guildId: string): Promise<DiscordGuildDetails> {
    return this.deps.discord(token).guildDetails(guildId);
  }

  /** Roles a bot can give: not @everyone, not a role Discord manages. */
  assignableRoles(details: DiscordGuildDetails): DiscordRoleInfo[] {
    return details.roles.filter((r) => r.id !== details.id && !r.managed);
  }

  /** Discord lets a bot give only roles below its own highest role: one line per role it could not give. */
  roleWarnings(details: DiscordGuildDetails, roleIds: Array<string | null>): string[] {
    const warnings: string[] = [];
    const top = details.botTopRole;
    for (const id of roleIds) {
      const role = id ? details.roles.find((r) => r.id === id) : undefined;
      if (!role) continue;
      if (!top || top.position <= role.position) {
        warnings.push(
          `The bot's role "${top?.name ?? '(none)'}" is below "${role.name}": Discord lets a bot give only roles below its own. ` +
            `In Server Settings > Roles, drag "${top?.name ?? 'the bot\'s role'}" above "${role.name}".`,
        );
      }
    }
    return warnings;
  }

  // ------------------------------------------------------------------ database

  async serverClasses(): Promise<Map<string, UserClass>> {
    const servers = await (await this.deps.catalog()).listServers();
    return new Map(servers.map((s) => [s.machineIdentifier, s.importAs]));
  }

  async plans(): Promise<PlanView[]> {
    return (await this.deps.catalog()).listPlans();
  }

  /** The problem with a plan field as typed (the same rules as `plans create`), or null. */
  planFieldProblem(field: 'name' | 'duration' | 'price' | 'currency', value: string): string | null {
    try {
      if (field === 'name' && (value.trim().length < 1 || value.trim().length > 100)) return 'a plan name is 1 to 100 characters';
      if (field === 'duration') parseDuration(value);
      if (field === 'price') parsePrice(value);
      if (field === 'currency' && !/^[A-Za-z]{3}$/.test(value.trim())) return `"${value}" is not a 3-letter currency code like USD`;
      return null;
    } catch (error) {
      if (error instanceof DomainError) return error.message;
      throw error;
    }
  }

  // ------------------------------------------------------------------ writing

  /** Records the servers' import classes and the plan, then writes .env. */
  async apply(answers: SetupAnswers): Promise<SetupResult> {
    const envUpdates = this.envUpdates(answers);
    // Refuse before writing anything if what would be written does not load.
    const merged = this.mergedEnvText(envUpdates);
    this.loadWritten(merged.values());
    const catalog = await this.deps.catalog();
    if (answers.servers.length > 0) {
      await catalog.registerServers(answers.servers, new Map(answers.servers.map((s) => [s.machineIdentifier, s.importAs])), this.config.DEFAULT_IMPORT_AS);
    }
    let plan: PlanView | null = null;
    let planExisted = false;
    if (answers.plan) {
      const existing = (await catalog.listPlans()).find((p) => p.name === answers.plan!.name.trim());
      if (existing) {
        plan = existing;
        planExisted = true;
      } else {
        plan = await catalog.createPlan({ ...answers.plan, currency: answers.plan.currency || undefined });
      }
    }
    writeEnvFileAtomic(this.deps.envPath, merged.toString());
    return {
      envPath: this.deps.envPath,
      written: Object.entries(envUpdates).map(([name, value]) => ({ name, shown: name.endsWith('_TOKEN') ? (value ? '(hidden)' : '') : value })),
      servers: answers.servers.map((s) => ({ name: s.name, importAs: s.importAs })),
      plan,
      planExisted,
    };
  }

  /** Reads back the .env just written and checks each part against plex.tv and Discord. */
  async verify(): Promise<SetupCheck[]> {
    const text = readEnvText(this.deps.envPath) ?? '';
    const fromFile = EnvDocument.parse(text).values();
    const checks: SetupCheck[] = [];
    let config: Config;
    try {
      config = this.loadWritten(fromFile);
      checks.push({ ok: true, text: `${this.deps.envPath} loads` });
    } catch (error) {
      return [{ ok: false, text: (error as Error).message }];
    }
    try {
      const plex = await this.deps.plexServers(config.PLEX_TOKEN!, config.PLEX_CLIENT_IDENTIFIER).getOwnedServers();
      checks.push({ ok: true, text: `Plex: the token works (${plex.length} server(s))` });
    } catch (error) {
      checks.push({ ok: false, text: `Plex: ${(error as Error).message}` });
    }
    try {
      const discord = this.deps.discord(config.DISCORD_TOKEN!);
      const me = await discord.identify();
      checks.push({ ok: true, text: `Discord: the token works (bot ${me.botName})` });
      if (!me.serverMembersIntent) checks.push({ ok: false, text: `Discord: ${SERVER_MEMBERS_INTENT_OFF}` });
      const details = await discord.guildDetails(config.DISCORD_GUILD_ID!);
      checks.push({ ok: true, text: `Discord: the bot is in ${details.name}` });
      const roles: Array<[string, string | undefined]> = [
        ['subscriber role', config.DISCORD_SUBSCRIBER_ROLE_ID],
        ['permanent role', config.DISCORD_PERMANENT_ROLE_ID],
        ['admin role', config.DISCORD_ADMIN_ROLE_ID],
      ];
      for (const [what, id] of roles) {
        if (!id) continue;
        const role = details.roles.find((r) => r.id === id);
        checks.push(role ? { ok: true, text: `Discord: ${what} ${role.name}` } : { ok: false, text: `Discord: the ${what} ${id} is not in ${details.name}` });
      }
      if (config.DISCORD_ADMIN_CHANNEL_ID) {
        const channel = details.textChannels.find((c) => c.id === config.DISCORD_ADMIN_CHANNEL_ID);
        checks.push(channel ? { ok: true, text: `Discord: admin channel #${channel.name}` } : { ok: false, text: `Discord: the admin channel ${config.DISCORD_ADMIN_CHANNEL_ID} is not in ${details.name}` });
      }
      for (const warning of this.roleWarnings(details, [config.DISCORD_SUBSCRIBER_ROLE_ID ?? null, config.DISCORD_PERMANENT_ROLE_ID ?? null])) {
        checks.push({ ok: false, text: `Discord: ${warning}` });
      }
    } catch (error) {
      checks.push({ ok: false, text: `Discord: ${(error as Error).message}` });
    }
    return checks;
  }

  // ------------------------------------------------------------------ without questions

  /** Every answer from flags or variables; nothing is written when one is missing or a check fails. */
  async runNonInteractive(input: NonInteractiveInput): Promise<{ result: SetupResult; warnings: string[] }> {
    const missing: Array<keyof NonInteractiveInput> = (['plexToken', 'discordToken', 'guild', 'subscriberRole'] as const).filter((k) => !input[k]?.trim());
    const planGiven = input.planName !== undefined || input.planDuration !== undefined || input.planPrice !== undefined;
    if (planGiven) missing.push(...(['planName', 'planDuration', 'planPrice'] as const).filter((k) => !input[k]?.trim()));
    if (missing.length > 0) throw new SetupMissingValuesError(missing.map((k) => NON_INTERACTIVE_NAMES[k]));
    const importAs = input.importAs?.trim();
    if (importAs && importAs !== 'standard' && importAs !== 'permanent') throw new SetupValueError(`--import-as must be standard or permanent, not "${importAs}"`);
    let plan: PlanInput | null = null;
    if (planGiven) {
      plan = { name: input.planName!.trim(), duration: input.planDuration!.trim(), price: input.planPrice!.trim(), currency: input.planCurrency?.trim() || undefined };
      for (const [field, flag] of [['name', '--plan-name'], ['duration', '--plan-duration'], ['price', '--plan-price'], ['currency', '--plan-currency']] as const) {
        const value = plan[field];
        const problem = value === undefined ? null : this.planFieldProblem(field, value);
        if (problem) throw new SetupValueError(`${flag}: ${problem}`);
      }
    }

    const plexToken = input.plexToken!.trim();
    const plex = await this.checkPlexToken(plexToken);
    const discordToken = input.discordToken!.trim();
    const bot = await this.checkDiscordToken(discordToken);
    const guilds = await this.botGuilds(discordToken);
    const guild = pick(guilds, input.guild!, 'Discord server', (g) => g.name);
    if (!guild) {
      throw new SetupValueError(`the bot is in no Discord server named or with the ID "${input.guild}": add it with ${bot.inviteUrl}${describeChoices(guilds, (g) => g.name)}`);
    }
    const details = await this.guildDetails(discordToken, guild.id);
    const roles = this.assignableRoles(details);
    const role = (value: string | undefined, what: string): string | null => {
      if (value === undefined || value.trim() === '' || value.trim().toLowerCase() === 'none') return null;
      const found = pick(roles, value, what, (r) => r.name);
      if (!found) throw new SetupValueError(`${details.name} has no ${what} named or with the ID "${value}"${describeChoices(roles, (r) => r.name)}`);
      return found.id;
    };
    const subscriberRoleId = role(input.subscriberRole, 'role');
    if (!subscriberRoleId) throw new SetupMissingValuesError([NON_INTERACTIVE_NAMES.subscriberRole]);
    const permanentRoleId = role(input.permanentRole, 'role');
    const adminRoleId = role(input.adminRole, 'role');
    let adminChannelId: string | null = null;
    if (input.adminChannel !== undefined && input.adminChannel.trim() !== '' && input.adminChannel.trim().toLowerCase() !== 'none') {
      const channel = pick<DiscordChannelInfo>(details.textChannels, input.adminChannel.replace(/^#/, ''), 'channel', (c) => c.name);
      if (!channel) throw new SetupValueError(`${details.name} has no text channel named or with the ID "${input.adminChannel}"${describeChoices(details.textChannels, (c) => `#${c.name}`)}`);
      adminChannelId = channel.id;
    }

    const known = await this.serverClasses();
    const servers = plex.servers.map((s) => ({ ...s, importAs: (importAs as UserClass | undefined) ?? known.get(s.machineIdentifier) ?? this.config.DEFAULT_IMPORT_AS }));
    const result = await this.apply({ plexToken, servers, discordToken, guildId: guild.id, subscriberRoleId, permanentRoleId, adminRoleId, adminChannelId, plan });
    const warnings = this.roleWarnings(details, [subscriberRoleId, permanentRoleId]);
    if (!bot.serverMembersIntent) warnings.push(SERVER_MEMBERS_INTENT_OFF);
    return { result, warnings };
  }

  // ------------------------------------------------------------------ helpers

  private envUpdates(answers: SetupAnswers): Record<string, string> {
    return {
      PLEX_TOKEN: answers.plexToken,
      PLEX_CLIENT_IDENTIFIER: this.clientIdentifier(),
      DISCORD_TOKEN: answers.discordToken,
      DISCORD_GUILD_ID: answers.guildId,
      DISCORD_SUBSCRIBER_ROLE_ID: answers.subscriberRoleId,
      DISCORD_PERMANENT_ROLE_ID: answers.permanentRoleId ?? '',
      DISCORD_ADMIN_ROLE_ID: answers.adminRoleId ?? '',
      DISCORD_ADMIN_CHANNEL_ID: answers.adminChannelId ?? '',
    };
  }

  private mergedEnvText(updates: Record<string, string>): EnvDocument {
    const doc = EnvDocument.parse(readEnvText(this.deps.envPath) ?? this.deps.templateText ?? '');
    doc.set(updates);
    return doc;
  }

  /** The configuration the bot will load: the file's values under the process environment, as dotenv does. */
  private loadWritten(fromFile: Record<string, string>): Config {
    const processEnv = Object.fromEntries(Object.entries(this.deps.env).filter(([k]) => !(SETUP_VARIABLES as readonly string[]).includes(k)));
    try {
      return loadConfig({ ...fromFile, ...processEnv, ...Object.fromEntries(SETUP_VARIABLES.map((k) => [k, fromFile[k]])) });
    } catch (error) {
      if (error instanceof ConfigError) throw new SetupValueError(`what setup would write does not load: ${error.message}`);
      throw error;
    }
  }
}

/**
 * The item whose id is `value`, else the one named exactly so, else the one named so ignoring case;
 * two items with that name refuse (a role given to the wrong people is worse than a question).
 */
function pick<T extends { id: string }>(items: T[], value: string, what: string, name: (item: T) => string): T | undefined {
  const wanted = value.trim();
  const byId = items.find((i) => i.id === wanted);
  if (byId) return byId;
  for (const same of [(n: string) => n === wanted, (n: string) => n.toLowerCase() === wanted.toLowerCase()]) {
    const named = items.filter((i) => same(name(i)));
    if (named.length > 1) throw new SetupValueError(`${named.length} ${what}s are named "${wanted}": give the ID instead (${named.map((i) => i.id).join(', ')})`);
    if (named.length === 1) return named[0];
  }
  return undefined;
}

function describeChoices<T>(items: T[], name: (item: T) => string): string {
  return items.length > 0 ? ` (there: ${items.map(name).join(', ')})` : '';
}

/** Errors the wizard shows and lets the owner fix (a wrong token, a server the bot is not in). */
export function isSetupCheckError(error: unknown): error is Error {
  return error instanceof PlexError || error instanceof DiscordSetupError || error instanceof SetupValueError;
}
