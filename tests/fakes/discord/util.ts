/* eslint-disable @typescript-eslint/no-explicit-any */
/** Snowflakes, permission bits and Discord's error bodies. */

const DISCORD_EPOCH = 1420070400000n;
let increment = 0n;
let lastMs = 0n;

/** A fresh Discord snowflake (18–19 digits, timestamp = now), unique within the process. */
export function snowflake(at: number = Date.now()): string {
  let ms = BigInt(at) - DISCORD_EPOCH;
  if (ms < lastMs) ms = lastMs;
  if (ms === lastMs) {
    increment += 1n;
    if (increment >= 4096n) {
      ms += 1n;
      increment = 0n;
    }
  } else {
    increment = 0n;
  }
  lastMs = ms;
  // worker 1, process 0
  return ((ms << 22n) | (1n << 17n) | increment).toString();
}

export function isSnowflake(v: unknown): v is string {
  return typeof v === 'string' && /^\d{17,20}$/.test(v);
}

export const Perm = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  ReadMessageHistory: 1n << 16n,
  UseExternalEmojis: 1n << 18n,
  ManageNicknames: 1n << 27n,
  ManageRoles: 1n << 28n,
  UseApplicationCommands: 1n << 31n,
} as const;

/** Every permission bit Discord defines today (bits 0–50 except the unused ones). */
export const ALL_PERMISSIONS = ((1n << 51n) - 1n).toString();

/** Default @everyone permissions of a new guild (view, send, history, reactions, embeds, app commands, ...). */
export const DEFAULT_EVERYONE_PERMISSIONS = (
  Perm.CreateInstantInvite |
  Perm.AddReactions |
  Perm.ViewChannel |
  Perm.SendMessages |
  Perm.EmbedLinks |
  Perm.ReadMessageHistory |
  Perm.UseExternalEmojis |
  Perm.UseApplicationCommands
).toString();

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
    /** Whether this answer means the bot broke a rule (recorded in `violations`). */
    readonly violation: boolean,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${JSON.stringify(body)}`);
  }
}

/** `{"message": ..., "code": ...}` as Discord answers plain errors. */
export function apiError(status: number, code: number, message: string, violation: boolean, detail?: string): HttpError {
  return new HttpError(status, { message, code }, violation, detail);
}

export const Errors = {
  unknownRoute: () => apiError(404, 0, '404: Not Found', true),
  unauthorized: () => apiError(401, 0, '401: Unauthorized', true),
  unknownChannel: () => apiError(404, 10003, 'Unknown Channel', false),
  unknownGuild: () => apiError(404, 10004, 'Unknown Guild', false),
  unknownMember: () => apiError(404, 10007, 'Unknown Member', false),
  unknownMessage: (violation = true) => apiError(404, 10008, 'Unknown Message', violation),
  unknownRole: () => apiError(404, 10011, 'Unknown Role', false),
  unknownUser: () => apiError(404, 10013, 'Unknown User', false),
  unknownWebhook: (detail?: string) => apiError(404, 10015, 'Unknown Webhook', true, detail),
  unknownCommand: () => apiError(404, 10063, 'Unknown application command', true),
  unknownInteraction: (detail?: string) => apiError(404, 10062, 'Unknown interaction', true, detail),
  alreadyAcknowledged: (detail?: string) =>
    apiError(400, 40060, 'Interaction has already been acknowledged.', true, detail),
  emptyMessage: () => apiError(400, 50006, 'Cannot send an empty message', true),
  cannotDm: () => apiError(403, 50007, 'Cannot send messages to this user', false),
  missingPermissions: (detail?: string) => apiError(403, 50013, 'Missing Permissions', false, detail),
  invalidWebhookToken: (detail?: string) => apiError(401, 50027, 'Invalid Webhook Token', true, detail),
  invalidJson: () => apiError(400, 50109, 'The request body contains invalid JSON.', true),
};

/** Collects `{"code":50035,"errors":{...}}` entries the way Discord nests them (arrays keyed by index). */
export class FormErrors {
  readonly tree: any = {};
  private count = 0;

  add(path: Array<string | number>, code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      const k = String(key);
      node[k] ??= {};
      node = node[k];
    }
    node._errors ??= [];
    node._errors.push({ code, message });
    this.count += 1;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  /** A list of `path[CODE]: message` lines, for violation strings. */
  lines(): string[] {
    const out: string[] = [];
    const walk = (node: any, prefix: string): void => {
      for (const [k, v] of Object.entries(node)) {
        if (k === '_errors') {
          for (const e of v as any[]) out.push(`${prefix || '(root)'}[${e.code}]: ${e.message}`);
        } else {
          walk(v, /^\d+$/.test(k) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k);
        }
      }
    };
    walk(this.tree, '');
    return out;
  }

  toHttpError(): HttpError {
    return new HttpError(400, { message: 'Invalid Form Body', code: 50035, errors: this.tree }, true, this.lines().join('; '));
  }

  throwIfAny(): void {
    if (!this.empty) throw this.toHttpError();
  }
}

export function maxLen(n: number): [string, string] {
  return ['BASE_TYPE_MAX_LENGTH', `Must be ${n} or fewer in length.`];
}

export function badLen(min: number, max: number): [string, string] {
  return ['BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`];
}

export const REQUIRED: [string, string] = ['BASE_TYPE_REQUIRED', 'This field is required'];

export function isoNow(): string {
  return new Date().toISOString().replace('Z', '+00:00');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
  });
}
