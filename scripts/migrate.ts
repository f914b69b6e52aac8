import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/client';
import { createLogger } from '../server/lib/logger';

/** Applies pending migrations to the database DATABASE_URL or DATA_DIR names, then exits (the server also migrates at start). */
async function main() {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: createLogger(config.logLevel) });
  await database.close();
  console.log('migrations applied');
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
