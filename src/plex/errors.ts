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
