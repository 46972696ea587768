import { z } from 'zod';

/*
 * The answers of plex.tv's v1 sharing calls (XML), validated at the edge. Like schemas.ts, the
 * schemas check raw attribute strings and the mappers turn them into what the services use.
 */

const numericId = z.string().regex(/^\d+$/, 'must be a number');

/** `<Server>` of GET /api/servers/{mid}. */
export const serverInfoSchema = z.object({
  name: z.string().nullish(),
  machineIdentifier: z.string().nullish(),
});

/** `<Section>` of GET /api/servers/{mid} and of a share answer. */
export const librarySectionSchema = z.object({
  id: numericId,
  key: z.string().nullish(),
  title: z.string(),
  type: z.string().nullish(),
  shared: z.enum(['0', '1']).optional(),
});

/** plex.tv's error bodies: `<errors><error message>` (current) or `<Response status>` (older v1). */
export const errorElementSchema = z.object({ message: z.string().nullish(), status: z.string().nullish() });

/** A library of one of the owner's servers: `id` is the plex.tv-global id the share calls take. */
export interface PlexLibrary {
  id: number;
  key: string;
  title: string;
  type: string;
}

export interface PlexServerLibraries {
  machineIdentifier: string;
  name: string;
  libraries: PlexLibrary[];
}

export function toPlexLibrary(s: z.infer<typeof librarySectionSchema>): PlexLibrary {
  return { id: Number(s.id), key: s.key ?? '', title: s.title, type: s.type ?? '' };
}

/** The request body of v1 share and update calls (python-plexapi's inviteFriend/updateFriend shape). */
export interface ShareRequestBody {
  server_id: string;
  shared_server: { library_section_ids: number[]; invited_email?: string; invited_id?: number };
  sharing_settings?: Record<string, string>;
}
