import fs from 'node:fs';
import path from 'node:path';
import type { Database as BetterSqlite3Database } from 'better-sqlite3';
import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger } from 'typeorm';
import type * as Entities from '../../entities';
import { MIGRATIONS } from '../../migrations';

export type Dialect = 'sqlite' | 'mysql';

export interface DatabaseTarget {
  dialect: Dialect;
  /** SQLite file path, or the mysql:// URL. */
  location: string;
  /** MariaDB reports column defaults differently from MySQL; TypeORM must know which it talks to. */
  mariadb?: boolean;
}

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new Error('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/streams-manager.sqlite');
    return { dialect: 'sqlite', location: file };
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    return { dialect: 'mysql', location: url.replace(/^mariadb:/, 'mysql:') };
  }
  throw new Error('DATABASE_URL: must start with sqlite: or mysql:// (mariadb:// works too)');
}

/**
 * Text as searches compare it: lower case by Unicode rules, accents dropped, the way MariaDB's
 * utf8mb4_unicode_ci compares. Registered on every SQLite connection as SQLITE_FOLD, because
 * SQLite's own LOWER() and LIKE only fold ASCII ("ünal" would never find "Ünal").
 */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
export const SQLITE_FOLD = 'fold_text';

/** How long a SQLite connection waits for another process's write lock before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * Whether TypeORM learns the entities. The app never needs it: every query is SQL written in
 * src/repositories (through sql.ts) and the schema comes from migrations, while building the
 * metadata of ~17 decorated entities (and loading them) cost every short CLI run 20-60 ms.
 * The migrations test turns it on to check that the migrations and the entities agree, and so
 * does the benchmark's naive row-by-row loop.
 */
export interface EntityOption {
  entities?: boolean;
}

export function dataSourceOptions(target: DatabaseTarget, logger?: TypeOrmLogger, options: EntityOption = {}): DataSourceOptions {
  const common = {
    entities: options.entities ? (require('../../entities') as typeof Entities).ENTITIES : [],
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    ...(logger ? { logger } : {}),
  } as const;
  if (target.dialect === 'sqlite') {
    if (target.location !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(target.location)), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: target.location,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      prepareDatabase: (db: Pick<BetterSqlite3Database, 'pragma' | 'function'>) => {
        db.pragma('journal_mode = WAL');
        db.pragma('foreign_keys = ON');
        db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
        db.function(SQLITE_FOLD, { deterministic: true }, (v: unknown) => (typeof v === 'string' ? foldText(v) : v));
      },
    };
  }
  return {
    ...common,
    type: target.mariadb ? 'mariadb' : 'mysql',
    url: target.location,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    poolSize: 5,
  };
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(url: string, options: { migrate?: boolean; logger?: TypeOrmLogger } & EntityOption = {}): Promise<DataSource> {
  const target = parseDatabaseUrl(url);
  if (target.dialect === 'mysql') target.mariadb = await isMariaDb(target);
  const dataSource = new DataSource(dataSourceOptions(target, options.logger, { entities: options.entities }));
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new Error(`Cannot open the database (${describeTarget(target)}): ${(error as Error).message}`);
  }
  if (options.migrate !== false) await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

async function isMariaDb(target: DatabaseTarget): Promise<boolean> {
  const mysql = await import('mysql2/promise');
  let connection;
  try {
    connection = await mysql.createConnection(target.location);
    const [rows] = await connection.query('SELECT VERSION() AS v');
    return /mariadb/i.test(String((rows as Array<{ v: string }>)[0]?.v));
  } catch (error) {
    throw new Error(`Cannot open the database (${describeTarget(target)}): ${(error as Error).message}`);
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

/** A description of the database without its password, for messages. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return `SQLite ${target.location}`;
  try {
    const u = new URL(target.location);
    return `MySQL/MariaDB ${u.hostname}:${u.port || 3306}${u.pathname}`;
  } catch {
    return 'MySQL/MariaDB';
  }
}

export function dialectOf(dataSource: DataSource): Dialect {
  return dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
}
