import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** Every test that touches persistence runs on both. */
export const DATABASE_KINDS = ['sqlite', 'mariadb'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** The MariaDB server the tests use; `.ci/run` makes sure one answers here. */
export const MARIADB_SERVER_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  /** Runs raw SQL on the test database (for assertions and fault injection). */
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one suite: suites may run in parallel. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smb-test-'));
    return {
      kind,
      url: `sqlite:${path.join(dir, `test_${suffix}.sqlite`)}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `smb_test_${suffix}`;
  const admin = await mysql.createConnection(MARIADB_SERVER_URL);
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  return {
    kind,
    url: `${MARIADB_SERVER_URL.replace(/\/$/, '')}/${name}`,
    drop: async () => {
      const conn = await mysql.createConnection(MARIADB_SERVER_URL);
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}
