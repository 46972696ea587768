import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, smallAccount } from '../fakes/plex/plex-data';
import { runCli } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';
import { createApp } from '../../src/app';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/charts/stats-chart';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';

describe.each(DATABASE_KINDS)('the stats CLI on %s', (kind) => {
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  let dir: string;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    db = await createTestDatabase(kind);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smb-stats-'));
    env = { DATABASE_URL: db.url, PLEX_TV_URL: await plex.start(), PLEX_TOKEN: DEFAULT_TOKEN, LOG_LEVEL: 'silent' };
  });
  afterEach(async () => {
    await plex.stop();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stats --json prints the numbers, --png writes a PNG chart, and a bad option is refused by name', async () => {
    // Six standard users imported now (the CLI's clock), each with a default payment of 10.00 USD.
    const app = await createApp(loadConfig(env), { logger: createLogger('silent') });
    await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', currency: 'USD', makeDefault: true });
    await app.usersSync().run();
    await app.close();
    const month = new Date().toISOString().slice(0, 7);

    const chart = path.join(dir, 'stats.png');
    const result = await runCli(['stats', '--json', '--png', chart], env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report).sort()).toEqual(['at', 'expiries', 'lostAfterDays', 'months', 'revenueTotals', 'users']);
    expect(report.users).toEqual({ total: 6, active: 6, expiringWithin7Days: 0, expired: 0, removed: 0, permanent: 0, needsReview: 6 });
    expect(report.months).toHaveLength(12);
    expect(report.months[11].month).toBe(report.at.slice(0, 7));
    // Found by name: a UTC month rolling over between the import and the CLI would shift it by one.
    expect(report.months.find((m: { month: string }) => m.month === month)).toEqual({
      month,
      activeSubscribers: 6,
      newSubscribers: 6,
      returningSubscribers: 0,
      lostSubscribers: 0,
      revenue: [{ currency: 'USD', amountCents: 6000, grossCents: 6000, refundedCents: 0, payments: 6 }],
    });
    expect(report.revenueTotals).toEqual([{ currency: 'USD', amountCents: 6000, grossCents: 6000, refundedCents: 0, payments: 6 }]);
    const png = PNG.sync.read(fs.readFileSync(chart));
    expect({ width: png.width, height: png.height }).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });

    const text = await runCli(['stats'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('6 users: 6 active (0 expiring within 7 days), 0 expired, 0 removed, 0 permanent; 6 need review');
    expect(text.stdout).toMatch(/^month\s+active\s+new\s+back\s+lost\s+revenue$/m);
    expect(text.stdout).toMatch(/^USD\s+60\.00 USD\s+6\s+0\.00 USD$/m);

    const unknown = await runCli(['stats', '--bogus'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: Unknown option '--bogus'/);
    const noFile = await runCli(['stats', '--png'], env);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/^error: Option '--png <value>' argument missing/);
    const badFolder = await runCli(['stats', '--png', path.join(dir, 'missing', 'stats.png')], env);
    expect(badFolder.code).toBe(2);
    expect(badFolder.stderr).toContain(`error: --png ${path.join(dir, 'missing', 'stats.png')}: the folder ${path.join(dir, 'missing')} does not exist`);
    const extra = await runCli(['stats', 'now'], env);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/^error: unknown command "stats now"/);
  }, 120_000);
});
