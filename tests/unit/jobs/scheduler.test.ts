import { Writable } from 'node:stream';
import { ConfigError } from '../../../src/config/config';
import { createLogger } from '../../../src/config/logger';
import { runJob, startScheduler } from '../../../src/jobs/scheduler';
import { LifecycleBusyError } from '../../../src/services/lifecycle.service';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', sink) };
}

describe('the scheduler', () => {
  it('refuses a bad cron expression, naming the variable', () => {
    const { logger } = capture();
    expect(() => startScheduler([{ name: 'x', schedule: 'every hour', setting: 'LIFECYCLE_ROLES_CRON', run: async () => 0 }], logger)).toThrow(ConfigError);
    expect(() => startScheduler([{ name: 'x', schedule: 'every hour', setting: 'LIFECYCLE_ROLES_CRON', run: async () => 0 }], logger)).toThrow(
      /^LIFECYCLE_ROLES_CRON: "every hour" is not a cron expression/,
    );
  });

  it('runs a job on its schedule and stops', async () => {
    const { logger, lines } = capture();
    let runs = 0;
    let ran!: () => void;
    const first = new Promise<void>((resolve) => (ran = resolve));
    const stop = startScheduler([{ name: 'tick', schedule: '* * * * * *', run: async () => { runs++; ran(); } }], logger);
    await first; // node-cron fires on the next whole second
    await stop();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(runs).toBe(after);
    expect(lines.some((l) => l.msg === 'scheduler: job done' && l.job === 'tick')).toBe(true);
  });

  it('a failing or busy run is logged and never thrown', async () => {
    const { logger, lines } = capture();
    await runJob({ name: 'boom', schedule: '* * * * *', run: async () => { throw new Error('plex.tv answered 500'); } }, logger);
    await runJob({ name: 'busy', schedule: '* * * * *', run: async () => { throw new LifecycleBusyError(new Date('2026-01-01T00:00:00Z')); } }, logger);
    expect(lines.find((l) => l.job === 'boom')).toMatchObject({ msg: 'scheduler: job failed', reason: 'plex.tv answered 500' });
    expect(lines.find((l) => l.job === 'busy')).toMatchObject({ msg: 'scheduler: job skipped' });
  });
});
