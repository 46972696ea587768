/*
 * Loaded with `node --require` into a measured CLI process by the payments benchmark (never by the
 * app): counts the SQL statements the process sends, notes when each went out, and on exit writes
 * them with the process's peak RSS to the file named by BENCH_PROBE_FILE. The CLI itself stays
 * exactly what an admin runs.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';

export interface ProbeReport {
  /** Milliseconds since the process started, when the probe was loaded. */
  loadedAtMs: number;
  statements: number;
  /** Writes to the import's data (not the lock or the sync log). */
  writes: number;
  /** Each statement: ms since process start and its first words, for the benchmark's split. */
  timeline: Array<[number, string]>;
  exitAtMs: number;
  /** User + system CPU time of the whole process: steadier than wall time on a shared machine. */
  cpuMs: number;
  peakRssMb: number;
}

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const report: ProbeReport = { loadedAtMs: performance.now(), statements: 0, writes: 0, timeline: [], exitAtMs: 0, cpuMs: 0, peakRssMb: 0 };
  const initialize = DataSource.prototype.initialize;
  DataSource.prototype.initialize = async function (this: DataSource) {
    const logger = this.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      report.statements++;
      if (/^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(query) && !/\b(locks|sync_runs)\b/.test(query)) report.writes++;
      report.timeline.push([Math.round(performance.now()), query.replace(/\s+/g, ' ').slice(0, 60)]);
      return logQuery(query, parameters, runner);
    };
    return initialize.call(this);
  };
  process.on('exit', () => {
    report.exitAtMs = performance.now();
    const usage = process.resourceUsage();
    report.cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
    report.peakRssMb = usage.maxRSS / 1024;
    fs.writeFileSync(file, JSON.stringify(report));
  });
}
