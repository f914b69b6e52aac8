import crypto from 'node:crypto';
import fs from 'node:fs';
import { Client } from 'pg';
import { openDatabase, type DatabaseHandle } from '../../server/db/client';
import { createLogger } from '../../server/lib/logger';

/** True when the suite runs against a PostgreSQL server rather than embedded PGlite. */
export const onServer = Boolean(process.env.DATABASE_URL);

/**
 * A fresh, migrated database for one test file: an in-memory PGlite loaded from the run's
 * template, or a new database on the server cloned from the template and dropped on close.
 */
export async function openTestDatabase(): Promise<DatabaseHandle> {
  const logger = createLogger('silent');
  if (!onServer) {
    const file = process.env.CAREBRIDGE_TEST_TEMPLATE_FILE;
    if (!file) throw new Error('test template missing: run through jest (globalSetup)');
    return openDatabase({ dataDir: '', logger, loadDataDir: new Blob([fs.readFileSync(file)]) });
  }
  const serverUrl = process.env.DATABASE_URL!;
  const template = process.env.CAREBRIDGE_TEST_TEMPLATE_DB!;
  const name = `${template}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${name}" template "${template}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '', logger });
  const close = handle.close;
  return {
    ...handle,
    close: async () => {
      await close();
      const a = new Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}
