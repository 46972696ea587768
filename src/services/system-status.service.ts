import type { SyncKind } from '../../entities';
import type { Clock } from '../config/clock';
import { ConfigError } from '../config/config';
import { PlexAuthError, PlexError, PlexNetworkError, PlexTimeoutError } from '../plex/errors';
import type { PlexAccountApi } from '../plex/plex-tv.client';
import type { SyncRunRow } from '../repositories/sync-run.repository';
import type { Store } from '../repositories/store';
import { GuildPortError } from './guild-port';
import { aliveRuns } from './recorded-run';

/** How long each outside check (plex.tv, Discord) may take before it counts as unreachable. */
export const STATUS_CHECK_TIMEOUT_MS = 5_000;

/**
 * What a check of an outside service found: `ok`; `rejected` (it answered and refused the token);
 * `unreachable` (no answer, a timeout, a 5xx); `not-configured` (its variables are not set);
 * `failed` (any other answer). `detail` is for the admin and never carries a token.
 */
export type CheckState = 'ok' | 'rejected' | 'unreachable' | 'not-configured' | 'failed';
export interface CheckResult {
  state: CheckState;
  detail: string;
}

/** The bot's own Discord user, asked with the bot token (GET /users/@me); throws a GuildPortError. */
export type DiscordIdentityCheck = () => Promise<{ id: string; username: string }>;

/** A recorded run. `abandoned` also for a run still marked running whose lock is free (its process died). */
export interface RunView {
  id: number;
  kind: SyncKind;
  state: 'running' | 'succeeded' | 'failed' | 'abandoned';
  startedAt: string;
  finishedAt: string | null;
  counts: Record<string, number> | null;
  error: string | null;
}

export interface PaymentSourceView {
  /** `paypal-api` or `stripe`. */
  source: string;
  /** Its credentials are set: the payments sync reads it. */
  configured: boolean;
  /** Everything before this instant was imported (the cursor); null before the first import. */
  syncedThrough: string | null;
  /** When an import last moved the cursor. */
  lastImportAt: string | null;
}

export interface LockView {
  name: string;
  /** `host:pid:uuid` of the process holding it. */
  holder: string;
  since: string;
  expiresAt: string;
  /** False once the lease ran out: its holder stopped renewing it (it died), and the next taker gets it. */
  live: boolean;
}

export interface SystemStatus {
  at: string;
  version: string;
  database: { kind: 'sqlite' | 'mariadb' };
  syncs: { users: RunView | null; sharedServers: RunView | null };
  lifecycle: { full: RunView | null; roles: RunView | null };
  payments: {
    lastSync: RunView | null;
    lastCsvImport: RunView | null;
    sources: PaymentSourceView[];
    /** The payment variables are set wrong (e.g. a PayPal ID without its secret). */
    problem: string | null;
  };
  locks: LockView[];
  plex: CheckResult;
  discord: CheckResult;
}

export interface SystemStatusDeps {
  store: Store;
  clock: Clock;
  version: string;
  /** The payment APIs the configuration enables, by name; throws a ConfigError when set wrong. */
  paymentSources: () => string[];
  /** Built on first use; throws a ConfigError when PLEX_TOKEN is not set. */
  plex: () => PlexAccountApi;
  /** Null when the Discord variables are not set. */
  discord: DiscordIdentityCheck | null;
  checkTimeoutMs?: number;
}

/** Every payment API the status reports on, configured or not. */
const KNOWN_SOURCES = ['paypal-api', 'stripe'];

const ABANDONED_NOW = 'left running by a process that stopped (its lock is free)';

/**
 * What an admin asks when something seems off: the last syncs, lifecycle runs and payments
 * imports, the locks and their holders, and whether plex.tv and Discord take the configured
 * tokens. Read-only: it changes nothing (a dead run shows as abandoned without being written).
 */
export class SystemStatusService {
  constructor(private readonly deps: SystemStatusDeps) {}

  /** `discord` replaces the REST check (the bot passes what its connected client knows). */
  async report(options: { discord?: () => Promise<CheckResult> } = {}): Promise<SystemStatus> {
    const discordCheck = options.discord ?? (() => this.checkDiscordRest());
    const [database, plex, discord] = await Promise.all([this.readDatabase(), this.checkPlex(), this.guard('Discord', discordCheck)]);
    return {
      at: this.deps.clock.now().toISOString(),
      version: this.deps.version,
      database: { kind: this.deps.store.dialect === 'sqlite' ? 'sqlite' : 'mariadb' },
      ...database,
      plex,
      discord,
    };
  }

  /** Whether the database answers a trivial query within `timeoutMs` (the health check's question). */
  async databaseAnswers(timeoutMs: number): Promise<boolean> {
    try {
      await withTimeout(this.deps.store.ping(), timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  private async readDatabase(): Promise<Pick<SystemStatus, 'syncs' | 'lifecycle' | 'payments' | 'locks'>> {
    const { latest, running, live, locks, cursors } = await this.deps.store.read(async (r) => ({
      latest: await r.syncRuns.latestOf(['users', 'shared-servers', 'lifecycle', 'lifecycle-roles', 'payments-sync', 'payments-csv']),
      running: await r.syncRuns.running(),
      live: await r.locks.liveNames(),
      locks: await r.locks.list(),
      cursors: await r.importCursors.list(),
    }));
    const alive = aliveRuns(running, new Set(live));
    const view = (kind: SyncKind): RunView | null => {
      const row = latest.find((r) => r.kind === kind);
      return row ? runView(row, alive) : null;
    };
    let configured: string[] = [];
    let problem: string | null = null;
    try {
      configured = this.deps.paymentSources();
    } catch (error) {
      problem = (error as Error).message;
    }
    const names = [...new Set([...KNOWN_SOURCES, ...cursors.map((c) => c.source)])];
    const sources = names
      .map((source) => {
        const cursor = cursors.find((c) => c.source === source);
        return {
          source,
          configured: configured.includes(source),
          syncedThrough: cursor?.syncedThrough.toISOString() ?? null,
          lastImportAt: cursor?.updatedAt.toISOString() ?? null,
        };
      })
      .filter((s) => s.configured || s.syncedThrough !== null);
    return {
      syncs: { users: view('users'), sharedServers: view('shared-servers') },
      lifecycle: { full: view('lifecycle'), roles: view('lifecycle-roles') },
      payments: { lastSync: view('payments-sync'), lastCsvImport: view('payments-csv'), sources, problem },
      locks: locks.map((l) => ({ name: l.name, holder: l.holder, since: l.acquiredAt.toISOString(), expiresAt: l.expiresAt.toISOString(), live: l.live })),
    };
  }

  private async checkPlex(): Promise<CheckResult> {
    let api: PlexAccountApi;
    try {
      api = this.deps.plex();
    } catch (error) {
      if (error instanceof ConfigError) return { state: 'not-configured', detail: 'PLEX_TOKEN is not set' };
      throw error;
    }
    return this.guard('plex.tv', async () => {
      try {
        const account = await api.account();
        return { state: 'ok', detail: `token accepted: account ${account.username ?? account.title ?? account.id}` };
      } catch (error) {
        if (error instanceof PlexAuthError) return { state: 'rejected', detail: 'plex.tv rejected PLEX_TOKEN (401)' };
        if (error instanceof PlexNetworkError || error instanceof PlexTimeoutError) return { state: 'unreachable', detail: error.message };
        if (error instanceof PlexError) return { state: /answered 5\d\d/.test(error.message) ? 'unreachable' : 'failed', detail: error.message };
        throw error;
      }
    });
  }

  private async checkDiscordRest(): Promise<CheckResult> {
    const check = this.deps.discord;
    if (!check) return { state: 'not-configured', detail: 'DISCORD_TOKEN is not set' };
    try {
      const me = await check();
      return { state: 'ok', detail: `token accepted: bot ${me.username} (${me.id})` };
    } catch (error) {
      if (!(error instanceof GuildPortError)) throw error;
      if (error.kind === 'unauthorized') return { state: 'rejected', detail: 'Discord rejected DISCORD_TOKEN (401)' };
      if (error.kind === 'unavailable') return { state: 'unreachable', detail: error.message };
      return { state: 'failed', detail: error.message };
    }
  }

  /** A check never takes longer than the timeout, and an unexpected failure is a result, not a crash. */
  private async guard(what: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
    const timeoutMs = this.deps.checkTimeoutMs ?? STATUS_CHECK_TIMEOUT_MS;
    try {
      return await withTimeout(check(), timeoutMs);
    } catch (error) {
      if (error instanceof TimeoutError) return { state: 'unreachable', detail: `${what} did not answer within ${timeoutMs / 1000} s` };
      // Only the first line: a stack or a request dump has no place in a status.
      return { state: 'failed', detail: `${what}: ${String((error as Error).message ?? error).split('\n')[0]}` };
    }
  }
}

function runView(row: SyncRunRow, alive: Set<number>): RunView {
  const dead = row.outcome === 'running' && !alive.has(row.id);
  return {
    id: row.id,
    kind: row.kind,
    state: dead ? 'abandoned' : row.outcome,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    counts: row.counts,
    error: dead ? ABANDONED_NOW : row.error,
  };
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** "created 3, updated 1, failures 0": a run's counts on one line (the zero ones left out, except for none at all). */
export function countsLine(counts: Record<string, number> | null): string {
  if (!counts) return '';
  const parts = Object.entries(counts)
    .filter(([, n]) => n !== 0)
    .map(([name, n]) => `${name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)} ${n}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing to do';
}

/** "3 min ago", "in 2 h": how far `iso` is from `now`, roughly. */
export function relativeTime(iso: string, now: string): string {
  const ms = new Date(now).getTime() - new Date(iso).getTime();
  const abs = Math.abs(ms);
  const text =
    abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 172_800_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} days`;
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}
