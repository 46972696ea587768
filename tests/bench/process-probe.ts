/*
 * Loaded with `node --require` into each CLI process a benchmark measures (the sync bench, run.ts,
 * and the payments bench, payments.ts; never the app). Measuring the real CLI this way counts its
 * start-up (module loading, database open, migration check) the way an owner running
 * `streams-manager …` pays for it, and the CLI itself stays exactly what an admin runs.
 * It counts the SQL statements and writes the process sends through the StatementCounter the
 * in-process benchmarks use, so "writes" means the same thing in every benchmark; notes when each
 * statement went out; and on exit writes them with the process's peak RSS and CPU time to the file
 * named by BENCH_PROBE_FILE.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { StatementCounter } from '../../src/database/data-source';

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
  const initialize = DataSource.prototype.initialize;
  DataSource.prototype.initialize = function (this: DataSource) {
    // Every statement TypeORM runs goes through its logger's logQuery, whatever `logging` says;
    // the app's own logger still gets each one after the probe.
    const logger = this.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      counter.logQuery(query);
      timeline.push([Math.round(performance.now()), query.replace(/\s+/g, ' ').slice(0, 60)]);
      return logQuery(query, parameters, runner);
    };
    return initialize.call(this);
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
