import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, generatedAccount } from '../fakes/plex/plex-data';
import { childEnv, CLI, runCliOk } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

/*
 * The CLI ends its process as soon as a command is done (issue 12: Node winding down on its own
 * frees the whole heap first), but never before its output has left: on POSIX a pipe is written
 * asynchronously, and a reader slower than the command must still get every byte.
 */
const INDEX = path.join(path.dirname(CLI), 'index.js');

function runSlowlyRead(script: string, readAfterMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    // Nobody reads stdout at first: the pipe fills and the child's writes queue up behind it.
    setTimeout(() => child.stdout.on('data', (d) => (stdout += String(d))), readAfterMs);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('how the CLI ends its process', () => {
  const MB = 1024 * 1024;

  it('ends with the code given once stdout and stderr have drained into a pipe read late', async () => {
    const script = `
      const { exitOnceWritten } = require(${JSON.stringify(INDEX)});
      process.stdout.write('x'.repeat(${4 * MB}));
      process.stderr.write('last line\\n');
      exitOnceWritten(3);
      setTimeout(() => process.stdout.write('never: the process ended first'), 5000);
    `;
    const result = await runSlowlyRead(script, 500);
    expect(result.stderr).toBe('last line\n');
    expect(result.stdout.length).toBe(4 * MB);
    expect(result.stdout).toBe('x'.repeat(4 * MB));
    expect(result.code).toBe(3);
  });

  it('ends at once when nothing is waiting to be written', async () => {
    const script = `
      const { exitOnceWritten } = require(${JSON.stringify(INDEX)});
      process.stdout.write('done\\n');
      setTimeout(() => process.stdout.write('never\\n'), 5000).unref();
      setInterval(() => {}, 1000); // something that would keep Node running on its own
      exitOnceWritten(0);
    `;
    const started = Date.now();
    const result = await runSlowlyRead(script, 0);
    expect(result).toMatchObject({ code: 0, stdout: 'done\n', stderr: '' });
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe.each(DATABASE_KINDS)('a reader that leaves before the output ends (`… | head`), on %s', (kind) => {
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  const account = generatedAccount({ users: 4000, servers: 2, serversPerUser: { min: 1, max: 1 } });
  beforeEach(async () => {
    plex = new FakePlexTv(account);
    db = await createTestDatabase(kind);
    env = { DATABASE_URL: db.url, PLEX_TV_URL: await plex.start(), PLEX_TOKEN: DEFAULT_TOKEN };
    await runCliOk(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10.00', '--default'], env);
  });
  afterEach(async () => {
    await plex.stop();
    await db.drop();
  });

  it('the sync is done, and the CLI ends with its own exit code, no stack trace', async () => {
    // Like head: nobody reads, the pipe fills and the CLI's write blocks; the reader then goes away.
    const child = spawn(process.execPath, [CLI, 'sync', 'users', '--json'], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    // The sync has committed, and the CLI is still running: it is stuck printing its 4,000 users (≈ 420 KB).
    for (let i = 0; i < 200 && JSON.parse(await runCliOk(['users', 'list', '--json'], env)).length < account.users.length; i++) await sleep(50);
    expect(JSON.parse(await runCliOk(['users', 'list', '--json'], env))).toHaveLength(account.users.length);
    await sleep(200);
    expect(child.exitCode).toBeNull();

    child.stdout.destroy();
    expect(await closed).toBe(0);
    expect(stderr).toBe('');
  });
});
