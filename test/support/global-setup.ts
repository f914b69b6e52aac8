import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../../server/db/client';
import { createLogger } from '../../server/lib/logger';

/**
 * Migrates one template database per test run; every test file then starts from a copy of it
 * (a PGlite dump loaded in memory, or CREATE DATABASE … TEMPLATE on a server), which takes
 * a fraction of a second instead of migrating again.
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger('silent');
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const template = `${new URL(serverUrl).pathname.slice(1) || 'carebridge'}_tmpl`;
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists "${template}" with (force)`);
    await admin.query(`create database "${template}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${template}`;
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '', logger });
    await handle.close();
    process.env.CAREBRIDGE_TEST_TEMPLATE_DB = template;
  } else {
    const handle = await openDatabase({ dataDir: '', logger, loadDataDir: undefined, memory: true });
    const dump = await handle.dump!();
    await handle.close();
    const file = path.join(__dirname, '../../.tmp', `template-${process.pid}.tar`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    process.env.CAREBRIDGE_TEST_TEMPLATE_FILE = file;
  }
}
