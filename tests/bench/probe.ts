/*
 * Loaded with `node --require` into each CLI process the benchmark measures: counts the SQL
 * statements and domain writes the process sends (through TypeORM's logger hook, as the app's own
 * query logger would) and, at exit, writes them with the process's peak RSS and CPU time to BENCH_PROBE_FILE.
 * Measuring the real CLI this way counts its start-up (module loading, database open, migration
 * check) the way an owner running `streams-manager sync …` pays for it.
 */
import fs from 'node:fs';
import { DataSource } from 'typeorm';
import { StatementCounter } from '../../src/database/data-source';

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const counter = new StatementCounter();
  const initialize = DataSource.prototype.initialize;
  DataSource.prototype.initialize = function (this: DataSource) {
    // Every statement TypeORM runs goes through this logger's logQuery, whatever `logging` says.
    (this as { logger: unknown }).logger = counter;
    return initialize.call(this);
  };
  process.on('exit', () => {
    fs.writeFileSync(file, JSON.stringify({
        statements: counter.statements,
        writes: counter.writes,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        // CPU time of all the process's threads: steadier than wall time on a busy machine.
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      }));
  });
}
