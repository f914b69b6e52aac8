import type { Config } from './config';
import type { DatabaseHandle } from './db/client';
import type { Logger } from './lib/logger';
import { createMailer, type Mailer } from './lib/mailer';
import { DatabaseSessionStore } from './lib/session-store';
import { SESSION_ABSOLUTE_MS } from './accounts/accounts.rules';
import { AuditService } from './audit/audit.service';
import { AccountsService } from './accounts/accounts.service';
import { OrganizationsService } from './organizations/organizations.service';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  mailer?: Mailer;
  now?: () => Date;
}

/** The composition root: every service gets its collaborators here and nowhere else. */
export function buildServices(deps: AppDeps) {
  const { db } = deps.database;
  const mailer = deps.mailer ?? createMailer({ db, logger: deps.logger, smtpUrl: deps.config.smtpUrl, from: deps.config.mailFrom });
  const audit = new AuditService(db);
  const accounts = new AccountsService({ db, mailer, logger: deps.logger, baseUrl: deps.config.baseUrl, now: deps.now });
  const organizations = new OrganizationsService({ db, audit, mailer, baseUrl: deps.config.baseUrl, now: deps.now });
  const sessionStore = new DatabaseSessionStore(db, SESSION_ABSOLUTE_MS);
  return { mailer, audit, accounts, organizations, sessionStore };
}
export type Services = ReturnType<typeof buildServices>;
