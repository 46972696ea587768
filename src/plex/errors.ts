/** Every failure talking to plex.tv, with a message a server owner understands. Never carries the token. */
export class PlexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class PlexAuthError extends PlexError {
  constructor() {
    super('Plex rejected the token (401): check PLEX_TOKEN');
  }
}

export class PlexHttpError extends PlexError {
  constructor(
    readonly status: number,
    readonly request: string,
    attempts: number,
  ) {
    super(`plex.tv answered ${status} to ${request}${attempts > 1 ? ` after ${attempts} attempts` : ''}`);
  }
}

export class PlexTimeoutError extends PlexError {
  constructor(request: string, timeoutMs: number) {
    super(`plex.tv did not answer ${request} within ${formatSeconds(timeoutMs)}`);
  }
}

export class PlexNetworkError extends PlexError {
  constructor(request: string, baseUrl: string, cause: string, attempts: number) {
    super(`Cannot reach plex.tv (${baseUrl}) for ${request}: ${cause}${attempts > 1 ? ` after ${attempts} attempts` : ''}`);
  }
}

/** 404 on a server or share: plex.tv no longer knows it (for an unshare: it is already gone). */
export class PlexNotFoundError extends PlexError {
  constructor(request: string) {
    super(`plex.tv does not know this server or share (404) for ${request}: is it still yours?`);
  }
}

/** A 200 answer whose body is not what plex.tv sends: broken or cut-off XML, or missing attributes. */
export class PlexResponseError extends PlexError {
  constructor(request: string, detail: string) {
    super(`plex.tv sent an invalid answer to ${request}: ${detail}`);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * A sharing write (share, change libraries, unshare) that failed: the message names the user and
 * the server, so one line in a log or a reply tells the owner what did not happen.
 */
export class PlexSharingError extends PlexError {
  constructor(
    message: string,
    readonly user: string,
    readonly server: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** 400/422 "already sharing": the user has a share of this server; update that share instead. */
export class PlexAlreadySharedError extends PlexSharingError {
  constructor(user: string, server: string, status: number) {
    super(`plex.tv says ${server} is already shared with ${user} (${status}): update that share instead`, user, server, status);
  }
}

/** 404 on a share: it no longer exists on plex.tv (unshared or declined elsewhere). */
export class PlexShareGoneError extends PlexSharingError {
  constructor(
    user: string,
    server: string,
    readonly shareId: number,
  ) {
    super(`the share ${shareId} of ${server} with ${user} no longer exists on plex.tv (404)`, user, server, 404);
  }
}

/** 429 that did not clear within the attempts (or asked for a longer wait than we accept). */
export class PlexRateLimitedError extends PlexSharingError {
  /** `what` says the action with both names, e.g. `sharing Cabin with zoe`. */
  constructor(what: string, user: string, server: string, attempts: number, retryAfterMs: number | null) {
    const wait = retryAfterMs === null ? '' : `, asked to wait ${Math.ceil(retryAfterMs / 1000)} s`;
    super(`plex.tv answered 429 (too many requests${wait}) to ${what}${attempts > 1 ? ` after ${attempts} attempts` : ''}: try again later`, user, server, 429);
  }
}

/** Any other refusal or failure of a sharing write (400 with plex.tv's reason, 5xx after the retries). */
export class PlexShareRequestError extends PlexSharingError {
  /** `what` says the action with both names, e.g. `sharing Cabin with zoe`. */
  constructor(what: string, user: string, server: string, status: number, attempts: number, detail: string | null) {
    super(
      `plex.tv answered ${status} to ${what}${detail ? ` (${detail})` : ''}${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
      user,
      server,
      status,
    );
  }
}
