import fs from 'node:fs';
import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const file = process.env.CAREBRIDGE_TEST_TEMPLATE_FILE;
  if (file) fs.rmSync(file, { force: true });
  const template = process.env.CAREBRIDGE_TEST_TEMPLATE_DB;
  if (template && process.env.DATABASE_URL) {
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists "${template}" with (force)`);
    await admin.end();
  }
}
