#!/usr/bin/env node
/*
 * The `streams-manager` command. It runs the bundled CLI (dist/src/cli/streams-manager.js, made by
 * tools/bundle-cli.js at `npm run build`) through a V8 code cache, because a CLI run is a short
 * process whose start-up was a third of a sync's time (issue 12): one file instead of ~570, and
 * functions compiled by an earlier run of the same command instead of compiled again.
 *
 * The cache is one file per first word of the command (sync, users, payments …), written after a
 * run that ended with exit code 0 when there was none yet or V8 refused it (another Node version
 * or build of the bundle). Writing it is best effort: where dist/ is read-only the CLI runs the
 * same, only without the cache. A build removes the old caches; the bundle's size and time in
 * the file name keep a cache from ever meeting another build anyway (V8 checks only the length).
 *
 * Only Node's own modules here: this file is loaded before anything else.
 */
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

type CliEntry = { runMain(argv: string[]): void };

const BUNDLE = path.join(__dirname, 'streams-manager.js');
const CACHE_DIR = path.join(__dirname, 'code-cache');

/** The cache file for this command line, or null when it names no command word. */
export function codeCacheFile(argv: readonly string[], bundle: fs.Stats): string | null {
  const word = argv[0];
  if (!word || !/^[a-z][a-z-]{0,30}$/.test(word)) return null;
  return path.join(CACHE_DIR, `${word}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}.bin`);
}

function readOrNull(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, data: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, file);
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

function loadBundle(argv: readonly string[], bundle: fs.Stats): CliEntry {
  // ASCII by construction (tools/bundle-cli.js checks it), so latin1 reads it exactly, and faster; and
  // already in Node's module wrapper, so the text goes to V8 as read, without a copy.
  const source = fs.readFileSync(BUNDLE, 'latin1');
  const cacheFile = codeCacheFile(argv, bundle);
  const cachedData = cacheFile ? readOrNull(cacheFile) : undefined;
  const script = new vm.Script(source, { filename: BUNDLE, cachedData });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', (code) => {
      if (code !== 0) return;
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // a read-only dist/: no cache, same CLI
      }
    });
  }
  const bundleRequire = createRequire(BUNDLE);
  const bundleModule = new Module(BUNDLE, module);
  bundleModule.filename = BUNDLE;
  bundleModule.paths = bundleRequire.resolve.paths('typeorm') ?? [];
  // Seen in require.cache like any module, so a test can tell that the bundle is what ran.
  require.cache[BUNDLE] = bundleModule;
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(bundleModule.exports, bundleModule.exports, bundleRequire, bundleModule, BUNDLE, __dirname);
  bundleModule.loaded = true;
  return bundleModule.exports as CliEntry;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  let bundle: fs.Stats | undefined;
  try {
    bundle = fs.statSync(BUNDLE);
  } catch {
    bundle = undefined;
  }
  // Without the bundle (a build by tsc alone) the unbundled CLI runs: slower to start, the same commands.
  const cli: CliEntry = bundle ? loadBundle(argv, bundle) : (require('./index') as CliEntry);
  cli.runMain(argv);
}
