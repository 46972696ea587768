/*
 * Loaded with `node --require` into each CLI process a benchmark measures (the sync bench, run.ts,
 * and the payments bench, payments.ts; never the app). Measuring the real CLI this way counts its
 * start-up (module loading, database open, migration check) the way an owner running
 * `streams-manager …` pays for it, and the CLI itself stays exactly what an admin runs.
 * It counts the SQL statements and writes the process sends through the StatementCounter the
 * in-process benchmarks use, so "writes" means the same thing in every benchmark; notes when each
 * statement went out; and on exit writes them with the process's peak RSS and CPU time to the file
 * named by BENCH_PROBE_FILE.
 *
 * Statements are counted where they reach the database driver (better-sqlite3's statements,
 * mysql2's connections), when the CLI loads the driver: the CLI is one bundled file with its own
 * TypeORM inside, and loading anything here that the CLI would not load would count as its
 * start-up.
 */
import fs from 'node:fs';
import Module from 'node:module';
import { performance } from 'node:perf_hooks';
import { StatementCounter } from './statement-counter';

export interface ProbeReport {
  /** Milliseconds since the process started, when the probe was loaded. */
  loadedAtMs: number;
  statements: number;
  /** Writes to the domain's data (not the lock or the sync log): StatementCounter's definition. */
  writes: number;
  /** Each statement: ms since process start and its first words, for the benchmark's split. */
  timeline: Array<[number, string]>;
  exitAtMs: number;
  /** User + system CPU time of the whole process (all threads): steadier than wall time on a shared machine. */
  cpuMs: number;
  peakRssMb: number;
}

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const loadedAtMs = performance.now();
  const counter = new StatementCounter();
  const timeline: ProbeReport['timeline'] = [];
  const seen = (query: string): void => {
    counter.logQuery(query);
    // Cut first: a multi-row INSERT is tens of KB, and rewriting all of it would count as the CLI's time.
    timeline.push([Math.round(performance.now()), query.slice(0, 120).replace(/\s+/g, ' ').slice(0, 60)]);
  };
  type Fn = (this: unknown, ...args: unknown[]) => unknown;
  const wrap = (target: Record<string, unknown>, method: string, sqlOf: (self: any, args: unknown[]) => unknown): void => {
    const original = target[method] as Fn;
    target[method] = function (this: unknown, ...args: unknown[]) {
      const sql = sqlOf(this, args);
      if (typeof sql === 'string') seen(sql);
      return original.apply(this, args);
    };
  };
  const patched = new Set<unknown>();
  const patchers: Record<string, (exports: any) => void> = {
    // TypeORM runs every statement through a prepared statement's all() or run().
    'better-sqlite3': (Database) => {
      const prepare = Database.prototype.prepare as Fn;
      Database.prototype.prepare = function (this: unknown, ...args: unknown[]) {
        const statement = prepare.apply(this, args) as object;
        const proto = Object.getPrototypeOf(statement) as Record<string, unknown>;
        if (!patched.has(proto)) {
          patched.add(proto);
          for (const method of ['run', 'all', 'get', 'iterate']) wrap(proto, method, (self) => (self as { source: string }).source);
        }
        return statement;
      };
    },
    // TypeORM's MySQL runner sends each statement with a pool connection's query().
    mysql2: (mysql) => {
      const proto = mysql.Connection.prototype as Record<string, unknown>;
      for (const method of ['query', 'execute']) wrap(proto, method, (_self, args) => (typeof args[0] === 'string' ? args[0] : (args[0] as { sql?: string } | undefined)?.sql));
    },
  };
  const moduleLoader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
  const load = moduleLoader._load;
  moduleLoader._load = function (request: string, ...rest: unknown[]) {
    const exports = load.call(this, request, ...rest);
    const patch = patchers[request];
    if (patch && !patched.has(exports)) {
      patched.add(exports);
      patch(exports);
    }
    return exports;
  };
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const report: ProbeReport = {
      loadedAtMs,
      statements: counter.statements,
      writes: counter.writes,
      timeline,
      exitAtMs: performance.now(),
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      peakRssMb: usage.maxRSS / 1024,
    };
    fs.writeFileSync(file, JSON.stringify(report));
  });
}
