#!/usr/bin/env node
/*
 * `npm run build`, after tsc: bundles the compiled CLI (dist/src/cli/index.js and everything it
 * requires from the project and the small packages) into one file, dist/src/cli/streams-manager.js,
 * which dist/src/cli/launcher.js (the `streams-manager` command) loads with a V8 code cache.
 *
 * Why (issue 12): a CLI run is a short process, and resolving, reading and compiling ~570 module
 * files (TypeORM alone is ~300) was a third of a sync's time. One file read once costs a fraction
 * of that. esbuild is the bundler because it is fast, well kept and needs no configuration file.
 *
 * Left out of the bundle, loaded from node_modules as before when (and only when) a command needs
 * them: native addons, the big packages only some commands use (Discord, Stripe, axios, prompts,
 * charts), the database drivers TypeORM loads by name, and the entity classes (only tests build
 * TypeORM's entity metadata). Whatever is left out shows in require.cache as usual, which is how
 * tests/integration/cli-sync-startup.test.ts sees what a sync loads.
 */
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'dist', 'src', 'cli');
const entry = path.join(dir, 'index.js');
const outfile = path.join(dir, 'streams-manager.js');
const cacheDir = path.join(dir, 'code-cache');

const EXTERNAL = [
  // native or big, loaded by name only when a command needs them
  'better-sqlite3',
  'mysql2',
  'discord.js',
  '@discordjs/*',
  'discord-api-types',
  'discord-api-types/*',
  'stripe',
  'axios',
  '@inquirer/*',
  '@napi-rs/canvas',
  'chart.js',
  'chart.js/*',
  '@fontsource/*',
  'node-cron',
  'ws',
  // required by file (xml-stream.ts): must stay a real package directory; entities/decode is
  // the one htmlparser2's Tokenizer loads too, so both share a single copy
  'htmlparser2',
  'entities',
  'entities/*',
  // drivers TypeORM names in its platform loader; none is installed
  'pg',
  'pg-native',
  'pg-query-stream',
  'oracledb',
  'sqlite3',
  'sql.js',
  'mssql',
  'mysql',
  'mongodb',
  'redis',
  'ioredis',
  '@sap/hana-client',
  '@sap/hana-client/*',
  'hdb-pool',
  '@google-cloud/spanner',
  'react-native-sqlite-storage',
  'typeorm-aurora-data-api-driver',
];

/** The entity classes stay files: required (relative to the bundle, which sits where index.js does) only with `entities: true`. */
const entitiesOutside = {
  name: 'entities-outside',
  setup(build) {
    build.onResolve({ filter: /(^|\/)entities$/ }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (target !== path.join(root, 'dist', 'entities')) return undefined;
      return { path: `./${path.relative(dir, target)}`, external: true };
    });
  },
};

/**
 * Packages' own source maps point at sources they do not ship (TypeORM's lead to a src/ that looks
 * like ours): the bundle's map stops at their .js files.
 */
const packagesAsShipped = {
  name: 'packages-as-shipped',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => ({
      contents: (await fs.promises.readFile(args.path, 'utf8')).replace(/^\/\/# sourceMappingURL=.*$/gm, ''),
      loader: 'js',
    }));
  },
};

/**
 * Parts of two packages the CLI cannot use, replaced by small stand-ins so that neither their text
 * is read nor their module bodies run at each start (issue 12):
 * - TypeORM's drivers other than better-sqlite3 and MySQL/MariaDB (Postgres, SQL Server, Oracle,
 *   SAP, Spanner, Mongo …: ~700 KB). TypeORM's DriverFactory requires every driver class; the
 *   stand-in class names the database and says it is left out if anything ever constructs it.
 * - zod's translations of its messages into 45 languages (~330 KB): only English is configured,
 *   and the stand-in keeps `z.locales.en`.
 */
const USED_DRIVERS = new Set(['better-sqlite3', 'mysql']);
const unusedParts = {
  name: 'unused-parts',
  setup(build) {
    build.onResolve({ filter: /^\.\/[a-z0-9-]+\/[A-Za-z0-9]+Driver$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]typeorm[\\/]driver[\\/]DriverFactory\.js$/.test(args.importer)) return undefined;
      const [, kind, name] = /^\.\/([a-z0-9-]+)\/([A-Za-z0-9]+)$/.exec(args.path);
      if (USED_DRIVERS.has(kind)) return undefined;
      return { path: `${kind}/${name}`, namespace: 'unused-driver' };
    });
    build.onLoad({ filter: /.*/, namespace: 'unused-driver' }, (args) => {
      const [kind, name] = args.path.split('/');
      const message = `the ${kind} driver is left out of the streams-manager CLI, which runs on SQLite and MariaDB/MySQL`;
      return { contents: `exports.${name} = class ${name} { constructor() { throw new Error(${JSON.stringify(message)}); } };`, loader: 'js' };
    });
    build.onResolve({ filter: /^\.\.\/locales\/index\.cjs$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(args.importer)) return undefined;
      return { path: path.join(path.dirname(args.importer), '..', 'locales', 'en.cjs'), namespace: 'zod-english' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english' }, (args) => ({
      contents: `exports.en = require(${JSON.stringify(args.path)}).default;`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

async function main() {
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: EXTERNAL,
    plugins: [entitiesOutside, unusedParts, packagesAsShipped],
    // Smaller text to read and hash at each start. Identifiers are not renamed, and every input is
    // CommonJS (tsc's output, the packages), so each module keeps its own scope and its classes
    // their names (errors are told apart by new.target.name; migrations also carry theirs).
    // keepNames would wrap every function in a naming call, ~30 ms of a sync here, for nothing.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: false,
    charset: 'ascii',
    legalComments: 'none',
    // For tests/bench/profile-summary.js, which maps a profile's bundle positions back to files
    // (tsc's own maps lead esbuild's to src/*.ts). Never loaded by the CLI.
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'warning',
    metafile: true,
  });
  // The launcher reads the bundle as latin1 (~30 ms less per start than utf8 here), which is exact only for
  // ASCII. esbuild escapes strings but leaves a few characters in regular-expression literals as they
  // are; \uXXXX means the same there (and in comments).
  const text = fs.readFileSync(outfile, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/gu, (ch) => [...Array(ch.length).keys()].map((i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
  if (!/^[\x00-\x7f]*$/.test(ascii)) throw new Error(`${outfile} is not ASCII after escaping`);
  // Written as the launcher compiles it: Node's module wrapper around the code, no '#!' line. The
  // launcher then hands the file's text to V8 as read (an external string, not a copy), where
  // stripping the line and wrapping at each start made two more 2 MB copies: fresh memory, ~400
  // page faults per CLI run. Line 1 held only the '#!' line, so the source map's lines still match.
  fs.writeFileSync(outfile, Module.wrap(ascii.replace(/^#!.*/, '')));
  // A code cache belongs to one build of the bundle: drop the old ones.
  fs.rmSync(cacheDir, { recursive: true, force: true });
  const inputs = Object.keys(result.metafile.inputs).length;
  if (process.env.BUNDLE_VERBOSE) process.stdout.write(`${path.relative(root, outfile)}: ${inputs} modules, ${(ascii.length / 1e6).toFixed(1)} MB\n`);
}

main().catch((error) => {
  process.stderr.write(`bundle-cli: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
