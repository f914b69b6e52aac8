import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/client';
import { formatDemoLogins, seedDemo } from '../server/demo/seed';
import { createLogger } from '../server/lib/logger';
import { AccountsService } from '../server/accounts/accounts.service';
import { createMailer } from '../server/lib/mailer';

/** Seeds the demo county into an empty database (the one DATABASE_URL or DATA_DIR names). */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const accounts = new AccountsService({ db: database.db, logger, baseUrl: config.baseUrl, mailer: createMailer({ db: database.db, logger, from: config.mailFrom }) });
    if ((await accounts.count()) > 0) {
      console.error('The database already has accounts; the demo seed only fills an empty database.');
      process.exitCode = 1;
      return;
    }
    console.log(formatDemoLogins(await seedDemo(database.db)));
  } finally {
    await database.close();
  }
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
