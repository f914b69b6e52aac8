import { and, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { loginFailures, memberships, organizations, passwordResets, sessions, users } from '../db/schema';
import { requireSignedIn, type Actor, type OrgKind, type OrgRole, type OrgStatus, type Viewer } from '../lib/authorization';
import { ConflictError, RuleViolationError, TooManyAttemptsError } from '../lib/errors';
import { fieldError } from '../lib/validate';
import type { Translate } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import type { Mailer } from '../lib/mailer';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../lib/passwords';
import { randomToken, tokenHash } from '../lib/tokens';
import { LOCKOUT, lockedForSeconds, normalizeEmail, passwordProblem } from './accounts.rules';
import type { SignUpInput } from './accounts.schemas';

const RESET_TTL_MS = 60 * 60_000;

export interface AccountsDeps {
  db: Database;
  mailer: Mailer;
  logger: Logger;
  baseUrl: string;
  now?: () => Date;
}

export class AccountsService {
  private readonly now: () => Date;
  constructor(private readonly deps: AccountsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Creates an individual account; the e-mail must be new and the password acceptable. */
  async signUp(input: SignUpInput, t: Translate): Promise<Actor> {
    const email = normalizeEmail(input.email);
    const problem = passwordProblem(input.password, email);
    if (problem) throw fieldError(t, 'password', problem);
    const passwordHash = await hashPassword(input.password);
    const inserted = await this.deps.db
      .insert(users)
      .values({ email, displayName: input.displayName, passwordHash, isVolunteer: input.asVolunteer, isDonor: input.asDonor })
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id });
    if (inserted.length === 0) throw new ConflictError('accounts.email_taken');
    return (await this.loadActor(inserted[0].id))!;
  }

  /**
   * Checks a log-in. Refuses while the account or the IP is locked out (5 failures per account
   * or 20 per IP within 15 minutes); every failure is counted, a success clears the account's.
   */
  async authenticate(emailRaw: string, password: string, ip: string): Promise<Actor> {
    const email = normalizeEmail(emailRaw);
    const now = this.now();
    const since = new Date(now.getTime() - LOCKOUT.windowMinutes * 60_000);
    const recent = await this.deps.db
      .select({ accountKey: loginFailures.accountKey, ip: loginFailures.ip, at: loginFailures.at })
      .from(loginFailures)
      .where(and(gt(loginFailures.at, since), or(eq(loginFailures.accountKey, email), eq(loginFailures.ip, ip))));
    const accountWait = lockedForSeconds(recent.filter((r) => r.accountKey === email).map((r) => r.at), LOCKOUT.maxPerAccount, now);
    const ipWait = lockedForSeconds(recent.filter((r) => r.ip === ip).map((r) => r.at), LOCKOUT.maxPerIp, now);
    if (accountWait || ipWait) throw new TooManyAttemptsError('accounts.locked_out', Math.max(accountWait, ipWait));

    const user = await this.deps.db.query.users.findFirst({ where: eq(users.email, email) });
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!user || !ok) {
      await this.deps.db.insert(loginFailures).values({ accountKey: email, ip, at: now });
      this.deps.logger.warn('log-in failed', { accountKey: email, ip });
      throw new RuleViolationError('accounts.bad_credentials');
    }
    await this.deps.db.delete(loginFailures).where(eq(loginFailures.accountKey, email));
    return (await this.loadActor(user.id))!;
  }

  /** The actor for a session's user id, with memberships; undefined when the account is gone. */
  async loadActor(userId: string): Promise<Actor | undefined> {
    const user = await this.deps.db.query.users.findFirst({ where: eq(users.id, userId) });
    if (!user) return undefined;
    const rows = await this.deps.db
      .select({ organizationId: organizations.id, organizationName: organizations.name, organizationKind: organizations.kind, organizationStatus: organizations.status, roles: memberships.roles })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
      .where(eq(memberships.userId, userId))
      .orderBy(organizations.name);
    return {
      userId: user.id,
      email: user.email,
      displayName: user.displayName,
      isPlatformAdmin: user.isPlatformAdmin,
      isVolunteer: user.isVolunteer,
      isDonor: user.isDonor,
      memberships: rows.map((r) => ({ ...r, organizationKind: r.organizationKind as OrgKind, organizationStatus: r.organizationStatus as OrgStatus, roles: r.roles as OrgRole[] })),
    };
  }

  /** The signed-in actor's own account; anyone signed in may read their own. */
  profile(viewer: Viewer): Actor {
    return requireSignedIn(viewer);
  }

  /** Re-checks the actor's password before a sensitive act (approving money, exporting children's data). */
  async reauthenticate(viewer: Viewer, password: string, t: Translate): Promise<void> {
    const actor = requireSignedIn(viewer);
    const user = await this.deps.db.query.users.findFirst({ where: eq(users.id, actor.userId) });
    if (!user || !(await verifyPassword(user.passwordHash, password))) throw fieldError(t, 'password', 'accounts.password.wrong_current');
  }

  /** Updates the actor's name and capacities (volunteer, donor). */
  async updateProfile(viewer: Viewer, input: { displayName: string; asVolunteer: boolean; asDonor: boolean }): Promise<void> {
    const actor = requireSignedIn(viewer);
    await this.deps.db.update(users).set({ displayName: input.displayName, isVolunteer: input.asVolunteer, isDonor: input.asDonor }).where(eq(users.id, actor.userId));
  }

  /** Changes the password after checking the current one; every other session of the user ends. */
  async changePassword(viewer: Viewer, current: string, next: string, currentSid: string, t: Translate): Promise<void> {
    const actor = requireSignedIn(viewer);
    const user = await this.deps.db.query.users.findFirst({ where: eq(users.id, actor.userId) });
    if (!user || !(await verifyPassword(user.passwordHash, current))) {
      throw fieldError(t, 'currentPassword', 'accounts.password.wrong_current');
    }
    const problem = passwordProblem(next, user.email);
    if (problem) throw fieldError(t, 'newPassword', problem);
    const passwordHash = await hashPassword(next);
    await this.deps.db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash, passwordChangedAt: this.now() }).where(eq(users.id, user.id));
      await tx.delete(sessions).where(and(eq(sessions.userId, user.id), ne(sessions.sid, currentSid)));
    });
  }

  /**
   * Sends a one-hour reset link when the address has an account. The answer is the same
   * either way, so the form cannot be used to learn who has an account.
   */
  async requestPasswordReset(emailRaw: string, t: Translate): Promise<void> {
    const email = normalizeEmail(emailRaw);
    const user = await this.deps.db.query.users.findFirst({ where: eq(users.email, email) });
    if (!user) return;
    const token = randomToken();
    await this.deps.db.insert(passwordResets).values({ tokenHash: tokenHash(token), userId: user.id, expiresAt: new Date(this.now().getTime() + RESET_TTL_MS) });
    const link = `${this.deps.baseUrl}/password/reset/${token}`;
    await this.deps.mailer.send({ to: user.email, subject: t('mail.reset.subject'), text: t('mail.reset.body', { name: user.displayName, link }), kind: 'password_reset' });
  }

  /** Whether a reset token is usable (exists, unused, unexpired). */
  async resetTokenValid(token: string): Promise<boolean> {
    const row = await this.deps.db.query.passwordResets.findFirst({
      where: and(eq(passwordResets.tokenHash, tokenHash(token)), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, this.now())),
    });
    return Boolean(row);
  }

  /** Sets a new password from a valid reset token; the token is spent and all sessions of the user end. */
  async resetPassword(token: string, next: string, t: Translate): Promise<void> {
    const reset = await this.deps.db.query.passwordResets.findFirst({
      where: and(eq(passwordResets.tokenHash, tokenHash(token)), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, this.now())),
    });
    if (!reset) throw new RuleViolationError('accounts.reset.invalid');
    const user = await this.deps.db.query.users.findFirst({ where: eq(users.id, reset.userId) });
    if (!user) throw new RuleViolationError('accounts.reset.invalid');
    const problem = passwordProblem(next, user.email);
    if (problem) throw fieldError(t, 'newPassword', problem);
    const passwordHash = await hashPassword(next);
    await this.deps.db.transaction(async (tx) => {
      const spent = await tx
        .update(passwordResets)
        .set({ usedAt: this.now() })
        .where(and(eq(passwordResets.tokenHash, reset.tokenHash), isNull(passwordResets.usedAt)))
        .returning({ tokenHash: passwordResets.tokenHash });
      if (spent.length === 0) throw new RuleViolationError('accounts.reset.invalid');
      await tx.update(users).set({ passwordHash, passwordChangedAt: this.now() }).where(eq(users.id, user.id));
      await tx.delete(sessions).where(eq(sessions.userId, user.id));
      await tx.delete(loginFailures).where(eq(loginFailures.accountKey, user.email));
    });
  }

  /** Number of accounts; the demo seed runs only on an empty database. */
  async count(): Promise<number> {
    const [{ n }] = await this.deps.db.select({ n: sql<number>`count(*)::int` }).from(users);
    return n;
  }
}
