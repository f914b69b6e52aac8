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
import { PublicCache } from './lib/public-cache';
import { ProjectFundingFigures } from './realtime/project-funding';
import { NotificationsService } from './notifications/notifications.service';
import { ReminderRunner } from './notifications/reminders';
import { missedCheckInReminders, overdueFollowUpReminders } from './notifications/reminder-sources';
import { DashboardService } from './dashboard/dashboard.service';
import { LedgerService } from './ledger/ledger.service';
import { EvidenceService } from './evidence/evidence.service';
import { RedactionsService } from './evidence/redactions.service';
import { createPaymentProvider, type PaymentProvider } from './payments';
import { DonationsService } from './donations/donations.service';
import { ExpendituresService } from './expenditures/expenditures.service';
import { FundsService } from './funds/funds.service';
import { tableProjectDirectory, type ProjectDirectory } from './funds/project-directory';
import { DisclosureLockout } from './funds/disclosure-lockout';
import { ProjectsService } from './projects/projects.service';
import { MatchingService } from './matching/matching.service';
import { HelpRecordsService } from './matching/help-records.service';
import { VettingService } from './volunteers/vetting.service';
import { PairingsService } from './volunteers/pairings.service';
import { GuardianService } from './volunteers/guardian.service';
import { HoursService } from './volunteers/hours.service';
import { SafeguardingService } from './volunteers/safeguarding.service';
import { VolunteersService } from './volunteers/volunteers.service';
import { tableRoleDirectory } from './volunteers/role-directory';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  mailer?: Mailer;
  /** Encrypts children's identities; from DATA_KEY or the data directory's key file when not given. */
  cipher?: FieldCipher;
  now?: () => Date;
  /** Stripe or pledges, from the config when not given. */
  paymentProvider?: PaymentProvider;
  /** How the money side reads projects; the projects table when not given. */
  projectDirectory?: ProjectDirectory;
  /** Memory of public pages; in production a few seconds' one when not given, elsewhere none (tests write behind the services' back). */
  publicCache?: PublicCache;
}

/** The composition root: every service gets its collaborators here and nowhere else. */
export function buildServices(deps: AppDeps) {
  const { db } = deps.database;
  const mailer = deps.mailer ?? createMailer({ db, logger: deps.logger, smtpUrl: deps.config.smtpUrl, from: deps.config.mailFrom });
  const audit = new AuditService(db);
  const hub = new RealtimeHub();
  const publicCache = deps.publicCache ?? (deps.config.env === 'production' ? new PublicCache() : undefined);
  const notifications = new NotificationsService({ db, hub, mailer, logger: deps.logger, baseUrl: deps.config.baseUrl });
  const accounts = new AccountsService({ db, mailer, logger: deps.logger, baseUrl: deps.config.baseUrl, now: deps.now });
  const organizations = new OrganizationsService({ db, audit, mailer, baseUrl: deps.config.baseUrl, now: deps.now });
  const cipher = deps.cipher ?? dataCipher(deps.config);
  const children = new ChildrenService({ db, audit, cipher, now: deps.now });
  const needs = new NeedsService({ db, audit, cipher, children, kAnonymity: deps.config.kAnonymity, hub, logger: deps.logger, now: deps.now, publicCache, rematch: (scope) => matching.rematchFor(scope), pairedNeed: (tx, needId) => pairings.coversNeed(tx, needId) });
  const roster = new RosterService({ db, audit, children, accounts, logger: deps.logger, now: deps.now });
  const projects = deps.projectDirectory ?? tableProjectDirectory(db);
  const ledger = new LedgerService({ db });
  const evidence = new EvidenceService({ db, dataDir: deps.config.dataDir });
  const payments = deps.paymentProvider ?? createPaymentProvider(deps.config, deps.logger);
  const disclosureLockout = new DisclosureLockout({ db, projects, now: deps.now });
  const projectFunding = new ProjectFundingFigures({ ledger, projects, hub, logger: deps.logger, publicCache });
  const donations = new DonationsService({ db, ledger, provider: payments, projects, organizations, evidence, audit, accounts, logger: deps.logger, baseUrl: deps.config.baseUrl, lockout: disclosureLockout, now: deps.now, projectGiftReceived: (id) => projectFunding.announce(id) });
  // Redactions ask the expenditures area which spending a receipt backs; expenditures list the redacted copies: the hook finds `expenditures` when called.
  const redactions = new RedactionsService({ db, evidence, audit, now: deps.now, ownerOf: (orgId, fileId) => expenditures.evidenceOwner(orgId, fileId) });
  const dashboard = new DashboardService({ readTogether: deps.database.readTogether, audit, now: deps.now });
  // Projects and matching call each other (an opened project is matched at once; matching reads projects): the hooks find `matching` when called.
  const helpProjects = new ProjectsService({ db, audit, logger: deps.logger, now: deps.now, disclosureLockout, publicCache, funding: projectFunding, matching: { rematchFor: (scope) => matching.rematchFor(scope), releaseProject: (tx, id, by) => matching.releaseProject(tx, id, by) } });
  const guardian = new GuardianService({ db, audit, cipher, evidence, now: deps.now });
  const helpRecords = new HelpRecordsService({ db, audit, cipher, needs, projects: helpProjects, logger: deps.logger, now: deps.now, consent: guardian, rematch: (scope) => matching.rematchFor(scope) });
  const matching = new MatchingService({ db, audit, needs, projects: helpProjects, help: helpRecords, notifications, logger: deps.logger, now: deps.now });
  // Spending names the help records it served, so the money side comes after matching's help records.
  const expenditures = new ExpendituresService({ db, ledger, evidence, projects, audit, accounts, redactions, helpRecords, notifications, now: deps.now });
  const funds = new FundsService({ db, ledger, donations, expenditures, organizations, projects, lockout: disclosureLockout, audit, helpRecords, needs, now: deps.now });
  const roleDirectory = tableRoleDirectory(db);
  const vetting = new VettingService({ db, audit, now: deps.now });
  const pairings = new PairingsService({ db, audit, cipher, children, vetting, consent: guardian, notifications, now: deps.now });
  const volunteerHours = new HoursService({ db, audit, pairings, vetting, roles: roleDirectory, baseUrl: deps.config.baseUrl, notifications, now: deps.now });
  const safeguarding = new SafeguardingService({ db, audit, cipher, vetting, mailer, logger: deps.logger, baseUrl: deps.config.baseUrl, now: deps.now });
  const volunteers = new VolunteersService({ db, audit, accounts, vetting, pairings, guardian, hours: volunteerHours, safeguarding, roles: roleDirectory, now: deps.now });
  // Reminders of what time made due; other areas add their sources here.
  const reminders = new ReminderRunner({ db, notifications, logger: deps.logger, sources: [overdueFollowUpReminders(helpRecords), missedCheckInReminders(pairings), (now) => funds.disclosureReminders(now)] });
  const sessionStore = new DatabaseSessionStore(db, SESSION_ABSOLUTE_MS);
  return { mailer, audit, hub, publicCache, projectFunding, notifications, dashboard, accounts, organizations, children, needs, roster, ledger, evidence, redactions, payments, donations, expenditures, funds, projects: helpProjects, matching, helpRecords, vetting, pairings, guardian, volunteerHours, safeguarding, volunteers, reminders, sessionStore };
}
export type Services = ReturnType<typeof buildServices>;
