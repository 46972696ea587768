import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, smallAccount } from '../fakes/plex/plex-data';
import { CLI, runCli } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/databases';

/*
 * A sync run is a short CLI process, so what it loads is most of what it costs (issue 12). These
 * modules used to load at every start and no sync needs them: the Stripe SDK, axios (plex.tv is
 * read over Node's http unless a proxy is set), TypeORM's entity classes, htmlparser2's DOM side.
 */
const NOT_FOR_A_SYNC = [/node_modules\/stripe\//, /node_modules\/axios\//, /\/dist\/entities\//, /node_modules\/domhandler\//, /node_modules\/saxes\//];

describe('a sync run of the CLI', () => {
  let plex: FakePlexTv;
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    db = await createTestDatabase('sqlite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-startup-'));
    // Written at exit by the CLI process itself: every module file it loaded.
    fs.writeFileSync(
      path.join(dir, 'modules.js'),
      `process.on('exit', () => require('fs').writeFileSync(process.env.MODULES_FILE, JSON.stringify(Object.keys(require.cache))));\n`,
    );
    env = { DATABASE_URL: db.url, PLEX_TV_URL: await plex.start(), PLEX_TOKEN: DEFAULT_TOKEN, PLEX_RETRIES: '1', PLEX_RETRY_DELAY_MS: '5' };
  });
  afterEach(async () => {
    await plex.stop();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const loadedBy = async (args: string[]): Promise<string[]> => {
    const file = path.join(dir, `${args.join('-')}.json`);
    const result = await runCli(args, { ...env, NODE_OPTIONS: `--require ${path.join(dir, 'modules.js')}`, MODULES_FILE: file });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
  };

  it('loads neither the Stripe SDK, axios, the entity classes nor a DOM', async () => {
    expect((await runCli(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10', '--default'], env)).code).toBe(0);
    for (const sync of [['sync', 'users'], ['sync', 'shared-servers']]) {
      const modules = await loadedBy(sync);
      expect(modules.some((m) => m.includes('htmlparser2'))).toBe(true); // it did parse plex.tv's answers
      // The bundled CLI ran. It leaves each of these out as a package (or file) of its own, so
      // loading one shows here as it did before there was a bundle.
      expect(modules).toContain(path.join(path.dirname(CLI), 'streams-manager.js'));
      expect(modules.filter((m) => NOT_FOR_A_SYNC.some((re) => re.test(m)))).toEqual([]);
    }
  });
});
