import type { Config } from './config';
import type { DatabaseHandle } from './db/client';
import type { Logger } from './lib/logger';
import { createMailer, type Mailer } from './lib/mailer';
import { DatabaseSessionStore } from './lib/session-store';
import { SESSION_ABSOLUTE_MS } from './accounts/accounts.rules';
import { AuditService } from './audit/audit.service';
import { AccountsService } from './accounts/accounts.service';
import { OrganizationsService } from './organizations/organizations.service';
import { ChildrenService } from './children/children.service';
import { NeedsService } from './needs/needs.service';
import { RosterService } from './children/roster.service';
import type { FieldCipher } from './lib/crypto';
import { dataCipher } from './lib/keys';
import { RealtimeHub } from './realtime/hub';
import { NotificationsService } from './notifications/notifications.service';
import { DashboardService } from './dashboard/dashboard.service';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  mailer?: Mailer;
  /** Encrypts children's identities; from DATA_KEY or the data directory's key file when not given. */
  cipher?: FieldCipher;
  now?: () => Date;
}

/** The composition root: every service gets its collaborators here and nowhere else. */
export function buildServices(deps: AppDeps) {
  const { db } = deps.database;
  const mailer = deps.mailer ?? createMailer({ db, logger: deps.logger, smtpUrl: deps.config.smtpUrl, from: deps.config.mailFrom });
  const audit = new AuditService(db);
  const hub = new RealtimeHub();
  const notifications = new NotificationsService({ db, hub, mailer, logger: deps.logger, baseUrl: deps.config.baseUrl });
  const accounts = new AccountsService({ db, mailer, logger: deps.logger, baseUrl: deps.config.baseUrl, now: deps.now });
  const organizations = new OrganizationsService({ db, audit, mailer, baseUrl: deps.config.baseUrl, now: deps.now });
  const cipher = deps.cipher ?? dataCipher(deps.config);
  const children = new ChildrenService({ db, audit, cipher, now: deps.now });
  const needs = new NeedsService({ db, audit, cipher, children, kAnonymity: deps.config.kAnonymity, hub, now: deps.now });
  const roster = new RosterService({ db, audit, children, accounts, logger: deps.logger, now: deps.now });
  const dashboard = new DashboardService({ db, audit, now: deps.now });
  const sessionStore = new DatabaseSessionStore(db, SESSION_ABSOLUTE_MS);
  return { mailer, audit, hub, notifications, dashboard, accounts, organizations, children, needs, roster, sessionStore };
}
export type Services = ReturnType<typeof buildServices>;
