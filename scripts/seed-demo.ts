import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/client';
import { formatDemoLogins, seedDemo } from '../server/demo/seed';
import { createLogger } from '../server/lib/logger';
import { buildServices } from '../server/services';

/** Seeds the demo county into an empty database (the one DATABASE_URL or DATA_DIR names). */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const services = buildServices({ config, database, logger });
    if ((await services.accounts.count()) > 0) {
      console.error('The database already has accounts; the demo seed only fills an empty database.');
      process.exitCode = 1;
      return;
    }
    console.log(formatDemoLogins(await seedDemo({ db: database.db, children: services.children, needs: services.needs, matching: services.matching, money: services, volunteers: services })));
  } finally {
    await database.close();
  }
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
