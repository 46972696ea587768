import type { App } from '../app';
import type { ProgressListener } from '../services/progress';

/** A command line that cannot run as typed: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export type Values = Record<string, string | boolean | undefined>;

/** What every area of the CLI gets: the app, the parsed options, and how to print. */
export interface CliContext {
  app: App;
  values: Values;
  json: boolean;
  /** Prints data as indented JSON (for --json). */
  print(data: unknown): void;
  /** Writes text to stdout as is. */
  write(text: string): void;
  progress: ProgressListener | undefined;
}

/** One area of the CLI (`sync`, `plans`, `payments`…): runs `<group> <action> [rest]`, answers the exit code. */
export type CliArea = (ctx: CliContext, group: string, action: string | undefined, rest: string[]) => Promise<number>;

export function unknownCommand(group: string, action: string | undefined): UsageError {
  return new UsageError(`unknown command "${`${group} ${action ?? ''}`.trim()}"`);
}

export function formatTable(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return `${cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}

/** A one-line progress bar on a terminal; nothing when piped or printing JSON. */
export function progressBar(json: boolean): ProgressListener | undefined {
  if (json || !process.stderr.isTTY) return undefined;
  let last = '';
  return ({ phase, done, total }) => {
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${phase} ${total > 0 ? `${done}/${total}` : ''}`;
    if (line === last) return;
    last = line;
    process.stderr.write(`\r\x1b[2K${line}${done >= total && total > 0 ? '\n' : ''}`);
  };
}
