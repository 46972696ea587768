import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/database/data-source';
import { MIGRATIONS } from '../../migrations';
import { childEnv, CLI, runCliOk } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS } from '../support/databases';

/*
 * The `streams-manager` command is dist/src/cli/launcher.js running the bundle that
 * tools/bundle-cli.js made (dist/src/cli/streams-manager.js) through a V8 code cache (issue 12).
 * These tests run copies of the built files in a directory of their own, so each can break its
 * cache (or its bundle) without touching the one the other suites use.
 */
const BUILT = path.dirname(path.dirname(path.dirname(CLI))); // dist/
const BUNDLE_NAME = 'streams-manager.js';

describe('the CLI launcher and its code cache', () => {
  let dir: string;
  let cliDir: string;
  let env: Record<string, string>;

  const copyLauncher = (withBundle: boolean): void => {
    cliDir = path.join(dir, 'dist', 'src', 'cli');
    fs.mkdirSync(cliDir, { recursive: true });
    fs.copyFileSync(CLI, path.join(cliDir, 'launcher.js'));
    if (withBundle) fs.copyFileSync(path.join(path.dirname(CLI), BUNDLE_NAME), path.join(cliDir, BUNDLE_NAME));
  };
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, [path.join(cliDir, 'launcher.js'), ...args], { env: childEnv(env), cwd: dir, encoding: 'utf8' });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const cacheFiles = (): string[] => (fs.existsSync(path.join(cliDir, 'code-cache')) ? fs.readdirSync(path.join(cliDir, 'code-cache')).sort() : []);
  const cachePath = (word: string): string => {
    const bundle = fs.statSync(path.join(cliDir, BUNDLE_NAME));
    return path.join(cliDir, 'code-cache', `${word}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}.bin`);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-launcher-'));
    // The copies find the packages the bundle leaves out where an install would have them.
    fs.symlinkSync(path.resolve(BUILT, '..', 'node_modules'), path.join(dir, 'node_modules'));
    env = { DATABASE_URL: `sqlite:${path.join(dir, 'data', 'db.sqlite')}`, LOG_LEVEL: 'silent' };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is pure ASCII, as the launcher reads it (latin1)', () => {
    const bytes = fs.readFileSync(path.join(path.dirname(CLI), BUNDLE_NAME));
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
  });

  it("leaves out what the CLI cannot use (TypeORM's other drivers, zod's other languages) and keeps what it does", () => {
    const text = fs.readFileSync(path.join(path.dirname(CLI), BUNDLE_NAME), 'latin1');
    expect(text).toContain('BetterSqlite3QueryRunner');
    expect(text).toContain('MysqlQueryRunner');
    expect(text).not.toContain('PostgresQueryRunner');
    expect(text).toContain('the postgres driver is left out of the streams-manager CLI');
    expect(text).toContain('Invalid input'); // zod's English messages
    expect(text).not.toContain('Ongeldige invoer'); // its Dutch ones
  });

  it('writes a cache after a command that succeeded, and the next run of that command takes it as it is', () => {
    copyLauncher(true);
    const created = run(['plans', 'create', '--name', 'Ünal Plan', '--duration', '1m', '--price', '10', '--default']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(cacheFiles()).toEqual([path.basename(cachePath('plans'))]);
    const before = fs.statSync(cachePath('plans'));
    const listed = run(['plans', 'list']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    // Text outside ASCII comes through the latin1 read whole.
    expect(listed.stdout).toContain('Ünal Plan');
    // Taken, not refused and written again: the same file.
    const after = fs.statSync(cachePath('plans'));
    expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ ino: before.ino, mtimeMs: before.mtimeMs });
  });

  it('writes none after a command that failed', () => {
    copyLauncher(true);
    const failed = run(['sync', 'users']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('PLEX_TOKEN');
    expect(cacheFiles()).toEqual([]);
  });

  it('replaces a cache V8 refuses, and runs the command the same', () => {
    copyLauncher(true);
    fs.mkdirSync(path.dirname(cachePath('plans')), { recursive: true });
    fs.writeFileSync(cachePath('plans'), Buffer.alloc(4096, 7));
    const listed = run(['plans', 'list']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/^name +duration +price/);
    const written = fs.readFileSync(cachePath('plans'));
    expect(written.length).toBeGreaterThan(4096);
    expect(written.equals(Buffer.alloc(written.length, 7))).toBe(false);
  });

  it('never takes the cache of another build of the bundle', () => {
    copyLauncher(true);
    expect(run(['plans', 'list']).code).toBe(0);
    const old = cachePath('plans');
    // Same size, another build: the name no longer matches, so a new cache is made beside it.
    const bundle = path.join(cliDir, BUNDLE_NAME);
    const later = new Date(fs.statSync(bundle).mtimeMs + 60_000);
    fs.utimesSync(bundle, later, later);
    expect(run(['plans', 'list']).code).toBe(0);
    expect(cachePath('plans')).not.toBe(old);
    expect(cacheFiles()).toEqual([path.basename(old), path.basename(cachePath('plans'))].sort());
  });

  it('runs the same where no cache can be written', () => {
    copyLauncher(true);
    fs.writeFileSync(path.join(cliDir, 'code-cache'), 'not a directory');
    const listed = run(['plans', 'list']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/^name +duration +price/);
  });

  it('runs the unbundled CLI when the build made no bundle', () => {
    fs.cpSync(BUILT, path.join(dir, 'dist'), { recursive: true, filter: (source) => !source.includes(`${path.sep}code-cache`) });
    cliDir = path.join(dir, 'dist', 'src', 'cli');
    fs.rmSync(path.join(cliDir, BUNDLE_NAME));
    const listed = run(['plans', 'list']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/^name +duration +price/);
    expect(cacheFiles()).toEqual([]);
  });

  describe.each(DATABASE_KINDS)('on %s', (kind) => {
    it('records every migration under its class name, as the unbundled code does', async () => {
      const db = await createTestDatabase(kind);
      try {
        expect(await runCliOk(['migrate'], { DATABASE_URL: db.url, LOG_LEVEL: 'silent' })).toContain('migrations applied');
        const dataSource = await openDatabase(db.url, { migrate: false });
        try {
          const rows = (await dataSource.query('SELECT name FROM migrations ORDER BY timestamp')) as Array<{ name: string }>;
          expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((M) => new M().name));
          // Nothing left to run: the app agrees with what the bundled CLI recorded.
          expect(await dataSource.showMigrations()).toBe(false);
        } finally {
          await dataSource.destroy();
        }
      } finally {
        await db.drop();
      }
    });
  });
});
