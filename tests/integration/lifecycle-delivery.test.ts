import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { RestGuildPort } from '../../src/discord/rest-port';
import { runCli, startCli } from '../support/cli';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { DAY, DISCORD_TOKEN, discordIdOf, GUILD_ID, HOUR, SMALL_USERS as U, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';

const END = new Date(T0.getTime() + 30 * DAY); // the default payment's end
const DM_CREATE = /^\/channels\/\d+\/messages$/;

/** Reminders and expiry notices under faults: each recipient gets each notice once, never zero, never twice. */
describe.each(DATABASE_KINDS)('lifecycle DM delivery under faults on %s', (kind) => {
  let bed: LifecycleBed;
  const apps: App[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await bed?.close();
  });

  const USERS = [U.obrien, U.unal, U.zoe];
  /** DMs the fake recorded, per recipient. */
  const dmCounts = () => Object.fromEntries(USERS.map((plexId) => [plexId, bed.discord.dms.filter((d) => d.userId === discordIdOf(plexId)).length]));
  const once = Object.fromEntries(USERS.map((plexId) => [plexId, 1]));

  const dueBed = async () => {
    bed = await startLifecycleBed(kind, USERS.map((plexId) => ({ plexId })), { SYNC_LOCK_TTL_SECONDS: '2' });
    await bed.link(USERS);
    bed.clock.set(new Date(END.getTime() - 2 * DAY)); // everyone's 3-day reminder is due
  };

  /** Another app on the same database whose Discord requests time out after `timeoutMs` (then @discordjs/rest retries them). */
  const appWithTimeout = async (timeoutMs: number) => {
    const guild = new RestGuildPort({ apiUrl: bed.h.env.DISCORD_API_URL, token: DISCORD_TOKEN, guildId: GUILD_ID, timeoutMs });
    const app = await createApp(loadConfig(bed.h.env), { clock: bed.clock, logger: createLogger('silent'), guild });
    apps.push(app);
    return app;
  };

  it('Discord answers 500 (after every retry): the DM stays in the outbox and the next run sends it, once', async () => {
    await dueBed();
    bed.discord.failNext({ method: 'POST', path: DM_CREATE, status: 500, times: 12 }); // 3 attempts, each 1 + @discordjs/rest's 3 retries
    const failed = await bed.app.lifecycle.run();
    expect(failed.remindersSent).toBe(2);
    expect(failed.failures).toEqual([{ plexId: U.obrien, action: 'reminder', reason: expect.stringMatching(/500.*kept: sent by the next run/) }]);
    expect(await bed.sql('SELECT id FROM outbox WHERE done_at IS NULL AND failure IS NULL')).toHaveLength(1);

    bed.clock.advance(HOUR);
    const retried = await bed.app.lifecycle.run();
    expect(retried).toMatchObject({ remindersSent: 1, failures: [] });
    expect(retried.steps).toContainEqual(expect.objectContaining({ plexId: U.obrien, action: 'reminder', detail: expect.stringContaining('left unsent by an earlier run') }));
    bed.clock.advance(HOUR);
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(0);
    expect(dmCounts()).toEqual(once);
    expect(bed.discord.violations).toEqual([]);
  });

  it('a timeout after Discord stored the DM: the retry carries the same nonce and Discord answers the first message', async () => {
    await dueBed();
    const app = await appWithTimeout(300);
    bed.discord.holdAfterStore({ path: DM_CREATE, times: 1 });
    const result = await app.lifecycle.run();
    expect(bed.discord.held).toBe(1);
    expect(result).toMatchObject({ remindersSent: 3, failures: [] });
    expect(dmCounts()).toEqual(once);
    // Every DM asked for de-duplication with a nonce Discord accepts.
    const creates = bed.discord.restLog.filter((e) => e.method === 'POST' && DM_CREATE.test(e.path));
    for (const e of creates) expect(e.body).toMatchObject({ nonce: expect.stringMatching(/^.{1,25}$/), enforce_nonce: true });
    expect(bed.discord.violations).toEqual([]);
  });

  it('401 on the first DM of a batch: the run stops, and after the restart every DM of the batch goes out once', async () => {
    await dueBed();
    bed.discord.failNext({ method: 'POST', path: DM_CREATE, status: 401, code: 0, message: '401: Unauthorized', times: 1 });
    await expect(bed.app.lifecycle.run()).rejects.toThrow(/401/);
    expect(dmCounts()).toEqual({ [U.obrien]: 0, [U.unal]: 0, [U.zoe]: 0 });

    // The admin fixes the token and restarts: a new process.
    const restarted = await bed.secondApp();
    bed.clock.advance(HOUR);
    const result = await restarted.lifecycle.run();
    expect(result).toMatchObject({ remindersSent: 3, failures: [] });
    expect(dmCounts()).toEqual(once);
    expect((await restarted.lifecycle.run()).remindersSent).toBe(0);
    expect(dmCounts()).toEqual(once);
  });

  it('the process killed while Discord holds a DM: the next run reports the unsent DMs and delivers each exactly once', async () => {
    await dueBed();
    // The CLI runs on the real clock: everyone's payment ends in two days.
    for (const plexId of USERS) await bed.setDefaultEnd(plexId, new Date(Date.now() + 2 * DAY));
    const env = { ...bed.h.env, LOG_LEVEL: 'warn' };
    bed.discord.holdAfterStore({ path: DM_CREATE, times: 1 });
    const first = startCli(['lifecycle', 'run', '--json'], env);
    for (let i = 0; i < 300 && bed.discord.held === 0; i++) await sleep(50);
    expect(bed.discord.held).toBe(1);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    expect(bed.discord.dms).toHaveLength(1);

    await sleep(2_100); // the dead process's lease on the lifecycle lock runs out
    const second = await runCli(['lifecycle', 'run', '--json'], env);
    expect(second.code).toBe(0);
    const result = JSON.parse(second.stdout);
    expect(result).toMatchObject({ remindersSent: 3, failures: [] });
    expect(result.steps.filter((s: { detail: string }) => s.detail.includes('left unsent by an earlier run'))).toHaveLength(3);
    expect(second.stderr).toContain('DMs left unsent by an earlier run');
    expect(dmCounts()).toEqual(once);
    expect(bed.discord.violations).toEqual([]);
  }, 60_000);
});
