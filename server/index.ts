import http from 'node:http';
import { ConfigError, loadConfig, type Config } from './config';
import { openDatabase, type DatabaseHandle } from './db/client';
import { DataDirLockedError } from './db/lock';
import { createApp } from './app';
import { createLogger, type Logger } from './lib/logger';
import { formatDemoLogins, seedDemo } from './demo/seed';
import { startRealtime } from './realtime/socket';

/**
 * Process entry: config → database (migrated) → demo seed on an empty database → HTTP →
 * graceful stop on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the database).
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, { service: 'carebridge' });
  let database: DatabaseHandle;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, backupKeep: config.backupKeep });
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      process.stderr.write(err.message + '\n');
      process.exit(75); // EX_TEMPFAIL
    }
    throw err;
  }
  logger.info('database ready', { kind: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined });

  const { app, services, state, sessionMiddleware } = createApp({ config, database, logger });
  if (config.seedDemo && (await services.accounts.count()) === 0) {
    const logins = await seedDemo({ db: database.db, children: services.children, needs: services.needs, matching: services.matching, money: services, volunteers: services });
    logger.info('demo data seeded', { accounts: logins.length });
    process.stdout.write(formatDemoLogins(logins) + '\n');
  }

  const server = http.createServer(app);
  server.keepAliveTimeout = 5000;
  const io = startRealtime({ httpServer: server, sessionMiddleware, accounts: services.accounts, hub: services.hub, logger, pool: database.pool });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info('listening', { url: `http://localhost:${port}`, port });

  const timers = startHousekeeping(config, database, services.sessionStore, logger, services.matching, services.pairings, services.reminders);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    state.shuttingDown = true;
    logger.info('shutting down', { signal });
    timers.forEach(clearInterval);
    const forced = setTimeout(() => server.closeAllConnections(), 10_000);
    forced.unref();
    // io.close() stops the HTTP server (in-flight requests finish) and releases the adapter's
    // LISTEN connection, without which closing the pool below would wait forever.
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => {
      io.close(() => resolve());
      server.closeIdleConnections();
    });
    clearTimeout(forced);
    try {
      await database.backup();
    } catch (err) {
      logger.warn('backup at shutdown failed', { err });
    }
    await database.close();
    logger.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function startHousekeeping(config: Config, database: DatabaseHandle, sessionStore: { prune(): Promise<number> }, logger: Logger, matching: { runScheduled(): Promise<unknown> }, pairings: { suspendExpired(): Promise<unknown> }, reminders: { run(now: Date): Promise<unknown> }): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  timers.push(setInterval(() => sessionStore.prune().catch((err) => logger.warn('session prune failed', { err })), 15 * 60_000));
  if (database.kind === 'pglite' && config.backupIntervalHours > 0) {
    timers.push(setInterval(() => database.backup().catch((err) => logger.warn('backup failed', { err })), config.backupIntervalHours * 3_600_000));
  }
  // Full matching on a schedule catches what incremental runs cannot see: time passing (waiting, project end dates) and coverage shifts.
  if (config.matchingIntervalMinutes > 0) {
    timers.push(setInterval(() => matching.runScheduled().catch((err) => logger.warn('scheduled matching failed', { err })), config.matchingIntervalMinutes * 60_000));
  }
  // Background checks expire at midnight; every read path suspends too, so hourly is only the backstop for pairings nobody opens.
  timers.push(setInterval(() => pairings.suspendExpired().catch((err) => logger.warn('suspending expired pairings failed', { err })), 60 * 60_000));
  // Overdue follow-ups, missed check-ins, reports due: each sent once (keys in sent_reminders), so a run every hour only adds what became due.
  timers.push(setInterval(() => reminders.run(new Date()).catch((err) => logger.warn('reminders failed', { err })), 60 * 60_000));
  timers.forEach((t) => t.unref());
  return timers;
}

main().catch((err) => {
  process.stderr.write(`CareBridge failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
