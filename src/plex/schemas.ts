import { z } from 'zod';

/*
 * plex.tv's XML attributes: validated at the edge by zod, then mapped to the shapes the services
 * use. The schemas check raw strings only (no zod transforms): a sync validates tens of thousands
 * of elements, and transforms cost ten times more than the checks. The mappers below handle the
 * quirks (see the plex.tv reference): booleans are "0"/"1"; username and email are absent, empty or
 * null for managed users; timestamps are unix seconds and "0" means never.
 */

const numericId = z.string().regex(/^\d+$/, 'must be a number');
const bool01 = z.enum(['0', '1']).optional();
const text = z.string().nullish();
const unixSeconds = z.string().regex(/^\d*$/, 'must be unix seconds').nullish();

export const deviceSchema = z.object({
  name: text,
  clientIdentifier: z.string().min(1),
  provides: text,
  owned: bool01,
});

export const userSchema = z.object({
  id: numericId,
  title: text,
  username: text,
  email: text,
  thumb: text,
  home: bool01,
});

export const userServerSchema = z.object({
  id: numericId,
  machineIdentifier: z.string().min(1),
  owned: bool01,
  pending: bool01,
  allLibraries: bool01,
});

export const sharedServerSchema = z.object({
  id: numericId,
  userID: numericId,
  username: text,
  email: text,
  invitedAt: unixSeconds,
  acceptedAt: unixSeconds,
  allLibraries: bool01,
});

export const sectionSchema = z.object({
  title: z.string(),
  shared: bool01,
});

/*
 * Hand checks that answer yes only where the schema above would, for attributes as the XML parser
 * gives them (every value a string). A sync checks tens of thousands of elements and nearly all
 * are plainly valid: a few comparisons instead of a zod parse (zod cost 60-80 ms of a 20-server
 * shares sync). Anything a check does not accept goes through zod, which decides and words the
 * error. tests/unit/plex/schemas.test.ts holds each check to its schema.
 */
type Attributes = Record<string, string>;
const isDigits = (v: string | undefined, orEmpty: boolean): boolean => {
  if (v === undefined) return false;
  if (v.length === 0) return orEmpty;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
};
const isBool01 = (v: string | undefined): boolean => v === undefined || v === '0' || v === '1';
const isUnixSeconds = (v: string | undefined): boolean => v === undefined || isDigits(v, true);
const isFilled = (v: string | undefined): boolean => v !== undefined && v.length > 0;

export const plainlyValid = {
  user: (a: Attributes): boolean => isDigits(a.id, false) && isBool01(a.home),
  userServer: (a: Attributes): boolean => isDigits(a.id, false) && isFilled(a.machineIdentifier) && isBool01(a.owned) && isBool01(a.pending) && isBool01(a.allLibraries),
  sharedServer: (a: Attributes): boolean =>
    isDigits(a.id, false) && isDigits(a.userID, false) && isUnixSeconds(a.invitedAt) && isUnixSeconds(a.acceptedAt) && isBool01(a.allLibraries),
  section: (a: Attributes): boolean => a.title !== undefined && isBool01(a.shared),
};

export interface PlexServer {
  machineIdentifier: string;
  name: string;
}

/** A plex.tv account linked to the owner, with the owner's servers it shares. */
export interface PlexUser {
  plexId: number;
  title: string;
  username: string | null;
  email: string | null;
  thumb: string | null;
  home: boolean;
  /** Only shares of servers the owner owns (`owned="1"`). */
  servers: Array<{ machineIdentifier: string; shareId: number; pending: boolean }>;
}

export interface PlexShare {
  shareId: number;
  plexUserId: number;
  username: string | null;
  email: string | null;
  invitedAt: Date | null;
  acceptedAt: Date | null;
  pending: boolean;
  allLibraries: boolean;
  /** Titles of the shared libraries. */
  libraries: string[];
}

/** Absent, empty and null are the same: no value. */
export function blankToNull(v: string | null | undefined): string | null {
  return v === undefined || v === null || v.trim() === '' ? null : own(v);
}

/**
 * A copy of an attribute value that no longer points into the parser's input. The XML parser
 * hands out values as slices of the chunk they were read from, and V8 keeps a whole chunk
 * (64 KB) alive for as long as any slice of it lives: keeping one username per chunk would hold
 * the whole document in memory. Concatenating makes V8 copy the characters into a string of
 * their own (values under 13 characters are copies already).
 */
export function own(v: string): string;
export function own(v: string | null): string | null;
export function own(v: string | null): string | null {
  return v === null || v.length < 13 ? v : (` ${v}`).slice(1);
}

const flag = (v: '0' | '1' | undefined, fallback: boolean): boolean => (v === undefined ? fallback : v === '1');

/**
 * The widths of the columns plex.tv's text lands in (users, media_servers). plex.tv sets no
 * limit we can rely on, and strict MariaDB refuses a longer value, failing the whole sync.
 */
export const PLEX_TEXT_LIMITS = { title: 255, username: 255, email: 255, thumb: 1024, serverName: 255 } as const;

/** Cuts a value longer than its column, in characters (MariaDB counts characters), marking the cut. */
export function fitText(value: string, max: number): string;
export function fitText(value: string | null, max: number): string | null;
export function fitText(value: string | null, max: number): string | null {
  if (value === null || value.length <= max) return value;
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join('')}…`;
}

/** Unix seconds to a date; "0", empty or absent is no date. */
export function fromUnixSeconds(v: string | null | undefined): Date | null {
  if (v === undefined || v === null || v === '') return null;
  const seconds = Number(v);
  return seconds === 0 ? null : new Date(seconds * 1000);
}

export function toServerDevice(d: z.infer<typeof deviceSchema>): { server: PlexServer | null } {
  const provides = (d.provides ?? '').split(',').map((p) => p.trim());
  if (!flag(d.owned, false) || !provides.includes('server')) return { server: null };
  const name = fitText(blankToNull(d.name) ?? own(d.clientIdentifier), PLEX_TEXT_LIMITS.serverName);
  return { server: { machineIdentifier: own(d.clientIdentifier), name } };
}

export function toPlexUser(u: z.infer<typeof userSchema>): PlexUser {
  const username = fitText(blankToNull(u.username), PLEX_TEXT_LIMITS.username);
  const email = fitText(blankToNull(u.email), PLEX_TEXT_LIMITS.email);
  const id = Number(u.id);
  return {
    plexId: id,
    // Managed users have no username or email: they are named by their title.
    title: fitText(blankToNull(u.title) ?? username ?? email ?? `Plex user ${id}`, PLEX_TEXT_LIMITS.title),
    username,
    email,
    thumb: fitText(blankToNull(u.thumb), PLEX_TEXT_LIMITS.thumb),
    home: flag(u.home, false),
    servers: [],
  };
}

/** A share listed under a user in /api/users, or null for a server that is not the owner's (`owned="0"`). */
export function toUserServer(s: z.infer<typeof userServerSchema>): PlexUser['servers'][number] | null {
  if (!flag(s.owned, false)) return null;
  return { machineIdentifier: s.machineIdentifier, shareId: Number(s.id), pending: flag(s.pending, false) };
}

export function toPlexShare(s: z.infer<typeof sharedServerSchema>): PlexShare {
  const acceptedAt = fromUnixSeconds(s.acceptedAt);
  return {
    shareId: Number(s.id),
    plexUserId: Number(s.userID),
    username: blankToNull(s.username),
    email: blankToNull(s.email),
    invitedAt: fromUnixSeconds(s.invitedAt),
    acceptedAt,
    pending: acceptedAt === null,
    allLibraries: flag(s.allLibraries, false),
    libraries: [],
  };
}

/** Older answers list only shared sections and leave `shared` out: absent means shared. */
export function isSharedSection(s: z.infer<typeof sectionSchema>): boolean {
  return flag(s.shared, true);
}

/** Turns a zod failure into one line that names the element and attribute. */
export function describeIssue(element: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const attribute = issue?.path.join('.') || '?';
  return `<${element}> attribute ${attribute} ${issue?.message ?? 'is invalid'}`;
}
