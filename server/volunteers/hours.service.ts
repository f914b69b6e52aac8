import crypto from 'node:crypto';
import { and, asc, count, desc, eq, inArray, isNotNull, sql, sum } from 'drizzle-orm';
import type { Database } from '../db/client';
import { hourLogs, organizations, projects, users, volunteerCertificates, volunteerProfiles } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, requireVolunteer, type Viewer } from '../lib/authorization';
import { NotFoundError, RuleViolationError, ValidationError } from '../lib/errors';
import { translator, type Translate } from '../lib/i18n';
import { fullName } from '../lib/regions';
import { createCjkPdf } from '../lib/pdf';
import { formatHours, hourLogProblems, maskName, newCertificateCode, normalizeCertificateCode } from './hours.rules';
import { VOLUNTEER_COORDINATORS } from './volunteers.rules';
import type { HourLogInput } from './volunteers.schemas';
import type { PairingsService } from './pairings.service';
import type { VettingService } from './vetting.service';
import type { RoleDirectory } from './role-directory';
import type { Notifier } from '../notifications/notifications.service';

export interface HoursDeps {
  db: Database;
  audit: AuditService;
  pairings: PairingsService;
  vetting: VettingService;
  roles: RoleDirectory;
  baseUrl: string;
  /** Tells coordinators of hours to approve and volunteers of decisions, after they committed. */
  notifications?: Notifier;
  now?: () => Date;
}

/** What anyone holding a verification code may see of a certificate. */
export interface CertificateCheck {
  code: string;
  volunteerName: string;
  organizationName: string;
  hours: string;
  logCount: number;
  firstOn: string;
  lastOn: string;
  issuedAt: Date;
}

/** Approved hours grouped one way, largest first. */
export interface HoursTotal {
  key: string;
  label: string;
  minutes: number;
  hours: string;
  logs: number;
}

/**
 * Volunteer hours: logged by the volunteer against a pairing or an activity, approved or
 * rejected by the organization, totalled, and certified in a PDF anyone can verify by its code.
 */
export class HoursService {
  private readonly now: () => Date;
  constructor(private readonly deps: HoursDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * The volunteer logs hours. Refused, naming the field and changing nothing, when the day is in
   * the future, the time overlaps another of their logs, the day would exceed 24 hours, or the
   * pairing is not active. Logs of one volunteer are written one at a time (their profile row
   * is locked), so two tabs cannot both squeeze in the last hours of a day.
   */
  async log(viewer: Viewer, input: HourLogInput, t: Translate): Promise<{ id: string }> {
    const actor = requireVolunteer(viewer);
    if (input.pairingId) await this.deps.pairings.suspendExpired({ volunteerUserId: actor.userId });
    // Read before the transaction: the embedded database has one connection, which the transaction holds.
    const project = input.projectId && input.organizationId ? (await this.deps.roles.projectsOf([input.organizationId])).find((p) => p.id === input.projectId) : undefined;
    if (input.projectId && !project) throw new NotFoundError('project');
    const logged = await this.deps.db.transaction(async (tx) => {
      const [profile] = await tx.select({ userId: volunteerProfiles.userId }).from(volunteerProfiles).where(eq(volunteerProfiles.userId, actor.userId)).for('update');
      if (!profile) throw new RuleViolationError('volunteers.profile.missing');
      let target: { organizationId: string; regionCode: string | null; projectId: string | null; startOn?: string | null };
      if (input.pairingId) {
        target = { ...(await this.deps.pairings.loggable(tx, actor.userId, input.pairingId)), projectId: null };
      } else {
        const vetting = await this.deps.vetting.get(input.organizationId!, actor.userId, { tx });
        const org = await tx.query.organizations.findFirst({ where: eq(organizations.id, vetting.organizationId) });
        target = { organizationId: vetting.organizationId, regionCode: project?.regionCodes[0] ?? org?.regionCode ?? null, projectId: project?.id ?? null };
      }
      const span = { workedOn: input.workedOn, startMinute: input.startTime, minutes: input.hours };
      const others = await tx
        .select({ workedOn: hourLogs.workedOn, startMinute: hourLogs.startMinute, minutes: hourLogs.minutes })
        .from(hourLogs)
        .where(and(eq(hourLogs.volunteerUserId, actor.userId), eq(hourLogs.workedOn, input.workedOn), inArray(hourLogs.status, ['pending', 'approved'])));
      const problems = hourLogProblems(span, others, this.deps.vetting.today());
      if (target.startOn && input.workedOn < target.startOn) problems.push({ field: 'workedOn', code: 'volunteers.check_in.before_start', params: { startOn: target.startOn } });
      if (problems.length > 0) {
        const fields: Record<string, string> = {};
        for (const p of problems) fields[p.field === 'minutes' ? 'hours' : p.field] ??= t('validation.field', { label: t(`fields.${p.field === 'minutes' ? 'hours' : p.field}`), message: t(p.code, p.params) });
        throw new ValidationError(fields);
      }
      const [row] = await tx
        .insert(hourLogs)
        .values({ volunteerUserId: actor.userId, organizationId: target.organizationId, pairingId: input.pairingId, projectId: target.projectId, activity: input.pairingId ? null : input.activity, regionCode: target.regionCode, workedOn: input.workedOn, startMinute: input.startTime, minutes: input.hours, description: input.task })
        .returning({ id: hourLogs.id });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId: target.organizationId, action: 'hours.log', subjectType: 'hour_log', subjectId: row.id, detail: { workedOn: input.workedOn, minutes: input.hours } }, tx);
      return { id: row.id, organizationId: target.organizationId };
    });
    await this.deps.notifications?.tell({ organizationId: logged.organizationId, roles: VOLUNTEER_COORDINATORS, exceptUserIds: [actor.userId] }, 'hours_to_approve', { hours: formatHours(input.hours), workedOn: input.workedOn }, `/org/${logged.organizationId}/volunteers/hours`);
    return { id: logged.id };
  }

  /** The organization approves or rejects a pending hour log; nobody decides on their own hours. */
  async decide(viewer: Viewer, organizationId: string, logId: string, input: { decision: 'approve' | 'reject'; decisionNote: string | null }): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    const log = await this.deps.db.transaction(async (tx) => {
      const log = await tx.query.hourLogs.findFirst({ where: and(eq(hourLogs.id, logId), eq(hourLogs.organizationId, organizationId)) });
      if (!log) throw new NotFoundError('hour log');
      if (log.volunteerUserId === actor.userId) throw new RuleViolationError('volunteers.hours.own_hours');
      if (log.status !== 'pending') throw new RuleViolationError('volunteers.hours.already_decided');
      const status = input.decision === 'approve' ? 'approved' : 'rejected';
      await tx.update(hourLogs).set({ status, decidedBy: actor.userId, decidedAt: this.now(), decisionNote: input.decisionNote }).where(eq(hourLogs.id, logId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: `hours.${input.decision}`, subjectType: 'hour_log', subjectId: logId, reason: input.decisionNote }, tx);
      return log;
    });
    await this.deps.notifications?.tell({ userIds: [log.volunteerUserId] }, input.decision === 'approve' ? 'hours_approved' : 'hours_rejected', { hours: formatHours(log.minutes), workedOn: log.workedOn }, '/volunteer/hours');
  }

  /** A volunteer's hour logs, newest first, naming the pairing (by nickname) or the activity. */
  async logsOf(volunteerUserId: string) {
    const rows = await this.deps.db
      .select({ log: hourLogs, organizationName: organizations.name })
      .from(hourLogs)
      .innerJoin(organizations, eq(organizations.id, hourLogs.organizationId))
      .where(eq(hourLogs.volunteerUserId, volunteerUserId))
      .orderBy(desc(hourLogs.workedOn), desc(hourLogs.createdAt))
      .limit(200);
    const nicknames = await this.deps.pairings.nicknames([...new Set(rows.flatMap((r) => (r.log.pairingId ? [r.log.pairingId] : [])))]);
    return rows.map(({ log, organizationName }) => ({ ...log, organizationName, nickname: log.pairingId ? (nicknames.get(log.pairingId) ?? '') : null, hours: formatHours(log.minutes) }));
  }

  /** A volunteer's hours per organization: approved and pending. */
  async totalsForVolunteer(volunteerUserId: string): Promise<Array<{ organizationId: string; organizationName: string; approvedHours: string; pendingHours: string; approvedMinutes: number }>> {
    const rows = await this.deps.db
      .select({
        organizationId: hourLogs.organizationId,
        organizationName: organizations.name,
        approved: sql<number>`coalesce(sum(${hourLogs.minutes}) filter (where ${hourLogs.status} = 'approved'), 0)::int`,
        pending: sql<number>`coalesce(sum(${hourLogs.minutes}) filter (where ${hourLogs.status} = 'pending'), 0)::int`,
      })
      .from(hourLogs)
      .innerJoin(organizations, eq(organizations.id, hourLogs.organizationId))
      .where(eq(hourLogs.volunteerUserId, volunteerUserId))
      .groupBy(hourLogs.organizationId, organizations.name)
      .orderBy(asc(organizations.name));
    return rows.map((r) => ({ organizationId: r.organizationId, organizationName: r.organizationName, approvedMinutes: r.approved, approvedHours: formatHours(r.approved), pendingHours: formatHours(r.pending) }));
  }

  /** What the volunteer's log form offers: active pairings, organizations joined and their projects. */
  async logOptions(volunteerUserId: string) {
    const [pairings, orgs] = await Promise.all([this.deps.pairings.activeForVolunteer(volunteerUserId), this.deps.vetting.forVolunteer(volunteerUserId)]);
    const projectList = await this.deps.roles.projectsOf(orgs.map((o) => o.organizationId));
    return { pairings, organizations: orgs.map((o) => ({ id: o.organizationId, name: o.organizationName })), projects: projectList };
  }

  private totalRows = (rows: Array<{ key: string | null; label: string | null; minutes: number | string | null; logs: number }>, unnamed: string): HoursTotal[] =>
    rows.map((r) => ({ key: r.key ?? '', label: r.label ?? unnamed, minutes: Number(r.minutes ?? 0), hours: formatHours(Number(r.minutes ?? 0)), logs: r.logs })).sort((a, b) => b.minutes - a.minutes);

  /** Approved hours of an organization: overall, and per volunteer, per project and per region (all computed in SQL). */
  async totals(organizationId: string, t: Translate) {
    const approved = and(eq(hourLogs.organizationId, organizationId), eq(hourLogs.status, 'approved'));
    const [[overall], byVolunteer, byProject, byRegion] = await Promise.all([
      this.deps.db.select({ minutes: sum(hourLogs.minutes), logs: count() }).from(hourLogs).where(approved),
      this.deps.db
        .select({ key: hourLogs.volunteerUserId, label: users.displayName, minutes: sum(hourLogs.minutes), logs: count() })
        .from(hourLogs)
        .innerJoin(users, eq(users.id, hourLogs.volunteerUserId))
        .where(approved)
        .groupBy(hourLogs.volunteerUserId, users.displayName),
      this.deps.db
        .select({ key: hourLogs.projectId, label: projects.title, minutes: sum(hourLogs.minutes), logs: count() })
        .from(hourLogs)
        .innerJoin(projects, eq(projects.id, hourLogs.projectId))
        .where(and(approved, isNotNull(hourLogs.projectId)))
        .groupBy(hourLogs.projectId, projects.title),
      this.deps.db.select({ key: hourLogs.regionCode, minutes: sum(hourLogs.minutes), logs: count() }).from(hourLogs).where(approved).groupBy(hourLogs.regionCode),
    ]);
    const minutes = Number(overall.minutes ?? 0);
    return {
      total: { minutes, hours: formatHours(minutes), logs: overall.logs },
      byVolunteer: this.totalRows(byVolunteer, ''),
      byProject: this.totalRows(byProject, ''),
      byRegion: this.totalRows(
        byRegion.map((r) => ({ ...r, label: r.key ? fullName(r.key) || r.key : null })),
        t('volunteers.hours.region_unknown'),
      ),
    };
  }

  /** The organization's hours page: logs waiting for a decision, and the totals. */
  async forOrganization(viewer: Viewer, organizationId: string, t: Translate) {
    const { actor } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    const pending = await this.deps.db
      .select({ log: hourLogs, volunteerName: users.displayName })
      .from(hourLogs)
      .innerJoin(users, eq(users.id, hourLogs.volunteerUserId))
      .where(and(eq(hourLogs.organizationId, organizationId), eq(hourLogs.status, 'pending')))
      .orderBy(asc(hourLogs.workedOn), asc(hourLogs.createdAt));
    const nicknames = await this.deps.pairings.nicknames([...new Set(pending.flatMap((r) => (r.log.pairingId ? [r.log.pairingId] : [])))]);
    return {
      pending: pending.map(({ log, volunteerName }) => ({ ...log, volunteerName, nickname: log.pairingId ? (nicknames.get(log.pairingId) ?? '') : null, hours: formatHours(log.minutes), own: log.volunteerUserId === actor.userId })),
      totals: await this.totals(organizationId, t),
    };
  }

  /** How many hour logs wait for the organization's decision. */
  async pendingCount(organizationId: string): Promise<number> {
    const [{ n }] = await this.deps.db.select({ n: count() }).from(hourLogs).where(and(eq(hourLogs.organizationId, organizationId), eq(hourLogs.status, 'pending')));
    return n;
  }

  /**
   * Issues a certificate of the volunteer's approved hours with one organization: the totals
   * are fixed at issue, with both names as they are today, under a new random verification code.
   */
  async issueCertificate(viewer: Viewer, organizationId: string): Promise<{ id: string; code: string }> {
    const actor = requireVolunteer(viewer);
    const [totals] = await this.deps.db
      .select({ minutes: sql<number>`coalesce(sum(${hourLogs.minutes}), 0)::int`, logs: count(), firstOn: sql<string | null>`min(${hourLogs.workedOn})::text`, lastOn: sql<string | null>`max(${hourLogs.workedOn})::text` })
      .from(hourLogs)
      .where(and(eq(hourLogs.volunteerUserId, actor.userId), eq(hourLogs.organizationId, organizationId), eq(hourLogs.status, 'approved')));
    if (totals.logs === 0 || !totals.firstOn || !totals.lastOn) throw new RuleViolationError('volunteers.certificate.no_hours');
    const org = await this.deps.db.query.organizations.findFirst({ where: eq(organizations.id, organizationId) });
    if (!org) throw new NotFoundError('organization');
    const code = newCertificateCode((max) => crypto.randomInt(max));
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(volunteerCertificates)
        .values({ code, volunteerUserId: actor.userId, organizationId, volunteerName: actor.displayName, organizationName: org.name, totalMinutes: totals.minutes, logCount: totals.logs, firstOn: totals.firstOn!, lastOn: totals.lastOn!, issuedAt: this.now() })
        .returning({ id: volunteerCertificates.id, code: volunteerCertificates.code });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'certificate.issue', subjectType: 'certificate', subjectId: row.id, detail: { code, minutes: totals.minutes } }, tx);
      return row;
    });
  }

  /** The volunteer's certificates, newest first. */
  async certificatesOf(volunteerUserId: string) {
    const rows = await this.deps.db.select().from(volunteerCertificates).where(eq(volunteerCertificates.volunteerUserId, volunteerUserId)).orderBy(desc(volunteerCertificates.issuedAt));
    return rows.map((c) => ({ ...c, hours: formatHours(c.totalMinutes) }));
  }

  /** The certificate as a Chinese PDF (A4) with the organization's name, the totals and the verification code and address. */
  async certificatePdf(viewer: Viewer, certificateId: string): Promise<{ filename: string; pdf: Buffer }> {
    const actor = requireVolunteer(viewer);
    const c = await this.deps.db.query.volunteerCertificates.findFirst({ where: and(eq(volunteerCertificates.id, certificateId), eq(volunteerCertificates.volunteerUserId, actor.userId)) });
    if (!c) throw new NotFoundError('certificate');
    // The certificate is a Chinese document whatever language the volunteer reads the site in.
    const t = translator('zh-CN');
    const { doc, done } = createCjkPdf({ info: { Title: t('volunteers.certificate.pdf.title'), Author: '关爱桥 CareBridge', Subject: c.code } });
    const issuedOn = c.issuedAt.toISOString().slice(0, 10);
    const url = `${this.deps.baseUrl}/certificates/${c.code}`;
    doc.font('cjk-bold').fontSize(26).fillColor('#9a3412').text(t('volunteers.certificate.pdf.title'), { align: 'center' }).moveDown(1.5);
    doc.font('cjk').fontSize(13).fillColor('#1f2a37');
    doc.text(t('volunteers.certificate.pdf.body', { name: c.volunteerName, organization: c.organizationName, from: c.firstOn, to: c.lastOn, hours: formatHours(c.totalMinutes), count: c.logCount }), { lineGap: 6, indent: 26 }).moveDown(1);
    doc.text(t('volunteers.certificate.pdf.closing'), { indent: 26 }).moveDown(3);
    doc.text(c.organizationName, { align: 'right' }).text(t('volunteers.certificate.pdf.issued', { date: issuedOn }), { align: 'right' }).moveDown(4);
    doc.fontSize(10).fillColor('#5b6675').text(t('volunteers.certificate.pdf.code', { code: c.code })).text(t('volunteers.certificate.pdf.verify', { url }));
    doc.end();
    return { filename: `certificate-${c.code}.pdf`, pdf: await done };
  }

  /** Checks a verification code: anyone may; the volunteer's name is shown masked. Unknown codes are not found. */
  async verify(rawCode: string): Promise<CertificateCheck> {
    const code = normalizeCertificateCode(rawCode);
    if (!code) throw new NotFoundError('certificate');
    const c = await this.deps.db.query.volunteerCertificates.findFirst({ where: eq(volunteerCertificates.code, code) });
    if (!c) throw new NotFoundError('certificate');
    return { code: c.code, volunteerName: maskName(c.volunteerName), organizationName: c.organizationName, hours: formatHours(c.totalMinutes), logCount: c.logCount, firstOn: c.firstOn, lastOn: c.lastOn, issuedAt: c.issuedAt };
  }
}
