import { z } from 'zod';

/*
 * plex.tv's XML attributes, validated at the edge and mapped to the shapes the services use.
 * Quirks handled here (see the plex.tv reference): booleans are "0"/"1"; username and email are
 * absent, empty or null for managed users; timestamps are unix seconds and "0" means never.
 */

const bool01 = z.enum(['0', '1']).transform((v) => v === '1');
const flag = (fallback: boolean) => bool01.optional().transform((v) => v ?? fallback);
const numericId = z.string().regex(/^\d+$/, 'must be a number').transform(Number);
const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v));
const unixSecondsOrNull = z
  .string()
  .nullish()
  .refine((v) => v === undefined || v === null || v === '' || /^\d+$/.test(v), 'must be unix seconds')
  .transform((v) => (v === undefined || v === null || v === '' || Number(v) === 0 ? null : new Date(Number(v) * 1000)));

export const deviceSchema = z.object({
  name: z.string().default(''),
  clientIdentifier: z.string().min(1),
  provides: z.string().default(''),
  owned: flag(false),
});

export interface PlexServer {
  machineIdentifier: string;
  name: string;
}

export const userSchema = z
  .object({
    id: numericId,
    title: optionalText,
    username: optionalText,
    email: optionalText,
    thumb: optionalText,
    home: flag(false),
  })
  .transform((u) => ({
    plexId: u.id,
    title: u.title ?? u.username ?? u.email ?? `Plex user ${u.id}`,
    username: u.username,
    email: u.email,
    thumb: u.thumb,
    home: u.home,
  }));

export const userServerSchema = z.object({
  id: numericId,
  machineIdentifier: z.string().min(1),
  owned: flag(false),
  pending: flag(false),
  allLibraries: flag(false),
});

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

export const sharedServerSchema = z
  .object({
    id: numericId,
    userID: numericId,
    username: optionalText,
    email: optionalText,
    invitedAt: unixSecondsOrNull,
    acceptedAt: unixSecondsOrNull,
    allLibraries: flag(false),
  })
  .transform((s) => ({
    shareId: s.id,
    plexUserId: s.userID,
    username: s.username,
    email: s.email,
    invitedAt: s.invitedAt,
    acceptedAt: s.acceptedAt,
    pending: s.acceptedAt === null,
    allLibraries: s.allLibraries,
  }));

export const sectionSchema = z.object({
  title: z.string(),
  /** Older answers list only shared sections and leave the attribute out. */
  shared: flag(true),
});

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

/** Turns a zod failure into one line that names the element and attribute. */
export function describeIssue(element: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const attribute = issue?.path.join('.') || '?';
  return `<${element}> attribute ${attribute} ${issue?.message ?? 'is invalid'}`;
}
