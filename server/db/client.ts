import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { Client, Pool } from 'pg';
import * as schema from './schema';
import { lockDataDir } from './lock';
import type { Logger } from '../lib/logger';

export type Schema = typeof schema;
/** One query surface for both drivers: services never know which one they talk to. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** What a transaction callback receives; it has the same query API as Database. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Writes a rotated backup of an embedded database; a no-op on a server (it has its own). */
  backup(): Promise<string | undefined>;
  /** An embedded database's whole data directory as a tarball (tests clone databases from it). */
  dump?(): Promise<Blob>;
  /** The underlying node-postgres pool, for LISTEN/NOTIFY users such as the Socket.IO adapter. */
  pool?: Pool;
  readTogether: ReadTogether;
}

/**
 * Runs read-only queries that must agree with each other in one snapshot (repeatable read),
 * each part after the same `set local` settings. A server runs the parts at the same time, each
 * on its own connection sharing the first one's exported snapshot, so a report made of several
 * heavy statements takes the time of the slowest rather than their sum; PGlite has one
 * connection and runs them in turn.
 */
export type ReadTogether = <T extends readonly unknown[]>(settings: SQL[], parts: { [K in keyof T]: (tx: Tx) => Promise<T[K]> }) => Promise<T>;

const SNAPSHOT = { isolationLevel: 'repeatable read', accessMode: 'read only' } as const;
// Each call holds up to one connection per part while its first part keeps the snapshot open:
// bounding the calls keeps a burst of reports from taking the whole pool and waiting on itself.
const TOGETHER_CALLS = 2;

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  logger: Logger;
  backupKeep?: number;
  /** For tests: an in-memory PGlite loaded from a dump of a migrated database. */
  loadDataDir?: Blob;
  /** For tests: a fresh in-memory PGlite. */
  memory?: boolean;
}

/** Opens PostgreSQL (server when a URL is given, embedded PGlite otherwise) and applies migrations. */
export async function openDatabase(opts: OpenOptions): Promise<DatabaseHandle> {
  return opts.databaseUrl ? openServer(opts.databaseUrl, opts.logger) : openEmbedded(opts);
}

async function openServer(url: string, logger: Logger): Promise<DatabaseHandle> {
  // Several app nodes may start together: one migrates while the others wait on the advisory lock.
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(727272)');
    await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
    await client.query('select pg_advisory_unlock(727272)');
  } finally {
    await client.end();
  }
  const pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  pool.on('error', (err) => logger.warn('database pool error', { err }));
  // A connection held outside a query (the realtime adapter's LISTEN) errors with no one listening when the
  // server ends it; unhandled, that error would kill the process. Its owner sees the connection end and reconnects.
  pool.on('connect', (client) => client.on('error', (err) => logger.warn('database connection lost', { err })));
  const db = drizzlePg(pool, { schema }) as unknown as Database;
  const calls = admission(TOGETHER_CALLS);
  const together: ReadTogether = (settings, parts) =>
    calls(() =>
      db.transaction(async (lead) => {
        for (const setting of settings) await lead.execute(setting);
        const [first, ...rest] = parts;
        if (rest.length === 0) return [await first(lead)] as never;
        const exported = (await lead.execute(sql`select pg_export_snapshot() as id`)) as unknown as { rows: Array<{ id: string }> };
        const snapshot = exported.rows[0].id;
        // The id is the server's own (e.g. 00000003-0000001B-1), checked before it is spliced into the one statement that takes no parameter.
        if (!/^[0-9A-F-]+$/i.test(snapshot)) throw new Error(`unexpected snapshot id ${snapshot}`);
        const others = rest.map((part) =>
          db.transaction(async (tx) => {
            await tx.execute(sql.raw(`set transaction snapshot '${snapshot}'`));
            for (const setting of settings) await tx.execute(setting);
            return part(tx);
          }, SNAPSHOT),
        );
        return (await Promise.all([first(lead), ...others])) as never;
      }, SNAPSHOT),
    );
  return {
    db,
    kind: 'postgres',
    pool,
    readTogether: together,
    ping: async () => {
      await pool.query('select 1');
    },
    close: () => pool.end(),
    backup: async () => undefined,
  };
}

async function openEmbedded(opts: OpenOptions): Promise<DatabaseHandle> {
  let release = () => {};
  let client: PGlite;
  if (opts.loadDataDir || opts.memory) {
    client = new PGlite(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  } else {
    release = lockDataDir(opts.dataDir);
    try {
      client = new PGlite(path.join(opts.dataDir, 'pglite'));
      await client.waitReady;
    } catch (err) {
      release();
      throw err;
    }
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  let closed = false;
  const together: ReadTogether = (settings, parts) =>
    (db as unknown as Database).transaction(async (tx) => {
      for (const setting of settings) await tx.execute(setting);
      const out: unknown[] = [];
      for (const part of parts) out.push(await part(tx));
      return out as never;
    }, SNAPSHOT);
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    readTogether: together,
    ping: async () => {
      if (closed) throw new Error('database closed');
      await db.execute(sql`select 1`);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
      release();
    },
    dump: () => client.dumpDataDir('none'),
    backup: async () => {
      if (opts.loadDataDir || opts.memory || closed) return undefined;
      const dir = path.join(opts.dataDir, 'backups');
      fs.mkdirSync(dir, { recursive: true });
      const dump = await client.dumpDataDir('gzip');
      const file = path.join(dir, `pglite-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`);
      fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 });
      const keep = opts.backupKeep ?? 5;
      const old = fs.readdirSync(dir).filter((f) => f.startsWith('pglite-')).sort().reverse().slice(keep);
      for (const f of old) fs.unlinkSync(path.join(dir, f));
      opts.logger.info('embedded database backed up', { file });
      return file;
    },
  };
}

/** At most `n` of the calls it wraps run at once; the others wait their turn in order. */
function admission(n: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
