import pino, { type Logger } from 'pino';

export type { Logger };

const CENSOR = '[redacted]';

/**
 * Keys whose values are secrets, at any depth and in any case or spelling: token, accessToken,
 * PLEX_TOKEN, x-plex-token, Authorization, clientSecret, STRIPE_SECRET_KEY, password, Cookie…
 * pino's own redact paths cannot say "at any depth, any case", so the logger walks each object.
 */
const SECRET_KEY = /token|secret|passw(or)?d|authori[sz]ation|cookie|api[-_]?key|credential|^auth$/i;

/** Secrets inside text: URL passwords (DATABASE_URL), token query parameters, raw header lines, auth schemes. */
const SECRET_TEXT: Array<[RegExp, string]> = [
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, `$1${CENSOR}@`],
  [/([?&][^=&#\s]*(?:token|secret|password|key)[^=&#\s]*=)[^&#\s]*/gi, `$1${CENSOR}`],
  [/(\b(?:authorization|proxy-authorization|x-plex-token|cookie|set-cookie)\s*:\s*)[^\r\n]*/gi, `$1${CENSOR}`],
  [/\b(Bearer|Basic|Bot)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${CENSOR}`],
];

/** A string with every secret it carries replaced. */
export function redactText(text: string): string {
  return SECRET_TEXT.reduce((s, [pattern, replacement]) => s.replace(pattern, replacement), text);
}

/** Deep enough for an axios error's config; deeper parts are not worth a log line. */
const MAX_DEPTH = 8;

/**
 * A copy of a value fit for a log: secret keys censored at any depth, secrets inside strings
 * replaced, errors (axios's included, with their request config and headers) made plain, cycles cut.
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
    let source: object = value;
    if (value instanceof Error) {
      // axios errors describe themselves (config, code, status) without the socket-laden request and response.
      const described = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? ((value as unknown as { toJSON(): object }).toJSON() ?? {}) : {};
      source = { type: value.name, message: value.message, stack: value.stack, ...ownEnumerable(value), ...described };
      if ('request' in source || 'response' in source) {
        const { request: _request, response, ...rest } = source as Record<string, unknown>;
        const r = response as { status?: unknown; statusText?: unknown } | undefined;
        source = { ...rest, ...(r ? { response: { status: r.status, statusText: r.statusText } } : {}) };
      }
      if (value.cause !== undefined) source = { ...source, cause: value.cause };
    } else if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return redactDeep((value as { toJSON(): unknown }).toJSON(), depth, seen);
    } else if (value instanceof Map) {
      source = Object.fromEntries(value);
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(source)) {
      out[key] = SECRET_KEY.test(key) && v !== null && v !== undefined && v !== '' ? CENSOR : redactDeep(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function ownEnumerable(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]));
}

/** Logs go to stderr so that `--json` output on stdout stays clean. Nothing secret reaches them, however deep. */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      // Errors are already made plain (and redacted) below; pino's serializer would rename their type to "Object".
      serializers: { err: (err: unknown) => err },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          // pino's own shape for logger.error(err): the error under err, its message as msg.
          const head = first instanceof Error ? { err: redactDeep(first) } : redactDeep(first);
          const tail = first instanceof Error && rest.length === 0 ? [redactText(first.message)] : rest.map((a) => redactDeep(a));
          return method.apply(this, [head, ...tail] as Parameters<typeof method>);
        },
      },
      formatters: { bindings: (bindings) => redactDeep(bindings) as Record<string, unknown> },
    },
    destination,
  );
}
