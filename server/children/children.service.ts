import crypto from 'node:crypto';
import { and, asc, count, eq, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { childLinks, children, needs, visits } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import type { FieldCipher } from '../lib/crypto';
import { NotFoundError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { countyOf, fullName, regionByCode } from '../lib/regions';
import { fieldError } from '../lib/validate';
import { ageInYears } from '../needs/publication.rules';
import { needDescriptionContext, OPEN_STATUSES, VISIT_INTERVAL_DAYS, visitOverdue } from '../needs/needs.rules';
import { chinaDate, parseIdNumber } from './id-number.rules';
import { caseworkerRecord, type ChildFacts, type ChildIdentity, type ChildRecordView, type ChildSummaryView } from './children.projections';
import type { ChildInput } from './children.schemas';

/** Who may see and change children's records: the owning organization's caseworkers, supervisors and admins. */
export const CHILD_RECORD_ROLES = ['caseworker', 'supervisor', 'admin'] as const;
const PAGE_SIZE = 25;

export interface ChildrenDeps {
  db: Database;
  audit: AuditService;
  cipher: FieldCipher;
  now?: () => Date;
}

/** Everything the service needs to write one child (from the form or from a roster row). */
export interface NewChild {
  identity: ChildIdentity;
  sex: 'male' | 'female';
  villageCode: string | null;
  countyCode: string;
  childClass: number;
  difficultyType: string;
  riskLevel: number;
  schooling?: string | null;
  health?: string | null;
  guardianshipType?: string | null;
  boarding?: boolean | null;
}

export class ChildrenService {
  private readonly now: () => Date;
  constructor(private readonly deps: ChildrenDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private identityContext = (childId: string) => `children.identity:${childId}`;
  private visitContext = (visitId: string) => `visits.findings:${visitId}`;

  /** Rule: only the organization's caseworkers, supervisors and admins keep children's records. */
  authorizeRecords(viewer: Viewer, organizationId: string): void {
    requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
  }

  /** Keyed hash of an ID number: the same child in two organizations has the same hash, and nobody can invert it. */
  idHash(idNumber: string): string {
    return this.deps.cipher.keyedHash(idNumber, 'child-id-number');
  }

  /** Encrypts one identity for one child id; used by the roster import too. */
  sealIdentity(childId: string, identity: ChildIdentity): string {
    return this.deps.cipher.encrypt(JSON.stringify(identity), this.identityContext(childId));
  }

  /** Encrypts a need's description the way NeedsService stores it (for bulk seeding). */
  sealNeedDescription(needId: string, description: string): string {
    return this.deps.cipher.encrypt(description, needDescriptionContext(needId));
  }

  private openIdentity(childId: string, token: string): ChildIdentity {
    return JSON.parse(this.deps.cipher.decrypt(token, this.identityContext(childId))) as ChildIdentity;
  }

  /**
   * Parses the caseworker's form into a NewChild: the ID number must pass GB 11643 and gives
   * the birth date and sex; the village code gives the county.
   */
  childFromForm(input: ChildInput, t: Translate): NewChild {
    const parsed = parseIdNumber(input.idNumber, this.now());
    if (!parsed.ok) throw fieldError(t, 'idNumber', parsed.code);
    const county = countyOf(input.villageCode);
    if (!county) throw fieldError(t, 'villageCode', 'children.village_code.unknown');
    return {
      identity: {
        name: input.childName,
        idNumber: parsed.value,
        birthDate: parsed.birthDate,
        ethnicity: input.ethnicity,
        guardianName: input.guardianName,
        guardianRelation: input.guardianRelation,
        guardianPhone: input.guardianPhone,
        residence: input.residence,
        school: input.school,
        householdRegistration: null,
        healthNote: null,
        notes: input.notes,
      },
      sex: parsed.sex,
      villageCode: input.villageCode,
      countyCode: county.code,
      childClass: input.childClass,
      difficultyType: input.difficultyType,
      riskLevel: input.riskLevel,
    };
  }

  /** Row values for a new child (encrypted identity, keyed hash, derived regions). */
  rowFor(childId: string, organizationId: string, child: NewChild, createdBy: string) {
    const village = child.villageCode ? regionByCode(child.villageCode) : undefined;
    return {
      id: childId,
      organizationId,
      identity: this.sealIdentity(childId, child.identity),
      idHash: child.identity.idNumber ? this.idHash(child.identity.idNumber) : null,
      sex: child.sex,
      birthMonth: child.identity.birthDate.slice(0, 7),
      villageCode: child.villageCode,
      townshipCode: village?.level === 'village' ? village.parentCode : null,
      countyCode: child.countyCode,
      childClass: child.childClass,
      difficultyType: child.difficultyType,
      riskLevel: child.riskLevel,
      schooling: child.schooling ?? null,
      health: child.health ?? null,
      guardianshipType: child.guardianshipType ?? null,
      boarding: child.boarding ?? null,
      createdBy,
    };
  }

  /** Links a new record to records of the same child in other organizations; returns how many were found. */
  async linkDuplicates(tx: Database | Tx, childId: string, organizationId: string, idHash: string | null): Promise<number> {
    if (!idHash) return 0;
    const others = await tx
      .select({ id: children.id })
      .from(children)
      .where(and(eq(children.idHash, idHash), ne(children.organizationId, organizationId)));
    if (others.length === 0) return 0;
    await tx
      .insert(childLinks)
      .values(others.flatMap((o) => [{ childId, otherChildId: o.id }, { childId: o.id, otherChildId: childId }]))
      .onConflictDoNothing();
    return others.length;
  }

  /**
   * Registers a child in the organization. The same ID number twice in one organization is
   * refused; in another organization it is linked, and the caseworker is told only that.
   */
  async create(viewer: Viewer, organizationId: string, child: NewChild, t: Translate): Promise<{ id: string; registeredElsewhere: boolean }> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const id = crypto.randomUUID();
    const row = this.rowFor(id, organizationId, child, actor.userId);
    return this.deps.db.transaction(async (tx) => {
      if (row.idHash) {
        const same = await tx.query.children.findFirst({ where: and(eq(children.organizationId, organizationId), eq(children.idHash, row.idHash)) });
        if (same) throw fieldError(t, 'idNumber', 'children.id_number.already_registered');
      }
      await tx.insert(children).values(row);
      const elsewhere = await this.linkDuplicates(tx, id, organizationId, row.idHash);
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'child.create', subjectType: 'child', subjectId: id, detail: { registeredElsewhere: elsewhere > 0 } }, tx);
      return { id, registeredElsewhere: elsewhere > 0 };
    });
  }

  /** Updates a child's record; the change (not its content) is audited. */
  async update(viewer: Viewer, organizationId: string, childId: string, child: NewChild, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    await this.deps.db.transaction(async (tx) => {
      const current = await tx.query.children.findFirst({ where: and(eq(children.id, childId), eq(children.organizationId, organizationId)) });
      if (!current) throw new NotFoundError('child');
      const row = this.rowFor(childId, organizationId, child, current.createdBy ?? actor.userId);
      if (row.idHash && row.idHash !== current.idHash) {
        const same = await tx.query.children.findFirst({ where: and(eq(children.organizationId, organizationId), eq(children.idHash, row.idHash)) });
        if (same) throw fieldError(t, 'idNumber', 'children.id_number.already_registered');
      }
      const { id: _id, createdBy: _c, ...changes } = row;
      await tx.update(children).set({ ...changes, updatedAt: this.now() }).where(eq(children.id, childId));
      if (row.idHash !== current.idHash) await this.linkDuplicates(tx, childId, organizationId, row.idHash);
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'child.update', subjectType: 'child', subjectId: childId }, tx);
    });
  }

  private facts(row: typeof children.$inferSelect): ChildFacts {
    return {
      id: row.id,
      organizationId: row.organizationId,
      sex: row.sex as 'male' | 'female',
      birthMonth: row.birthMonth,
      villageCode: row.villageCode,
      townshipCode: row.townshipCode,
      countyCode: row.countyCode,
      childClass: row.childClass,
      difficultyType: row.difficultyType,
      riskLevel: row.riskLevel,
      schooling: row.schooling,
      health: row.health,
      guardianshipType: row.guardianshipType,
      boarding: row.boarding,
      lastVisitOn: row.lastVisitOn,
    };
  }

  private ageOf(birthMonth: string): number {
    return ageInYears(`${birthMonth}-01`, this.now());
  }

  /** One child's whole record, decrypted, for its organization's caseworkers; every view is audited with its purpose. */
  async view(viewer: Viewer, organizationId: string, childId: string, purpose: string): Promise<ChildRecordView> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const row = await this.deps.db.query.children.findFirst({ where: and(eq(children.id, childId), eq(children.organizationId, organizationId)) });
    if (!row) throw new NotFoundError('child');
    const [{ n }] = await this.deps.db.select({ n: count() }).from(childLinks).where(eq(childLinks.childId, childId));
    await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'child.view', subjectType: 'child', subjectId: childId, reason: purpose });
    return caseworkerRecord(this.facts(row), this.openIdentity(row.id, row.identity), {
      ageYears: this.ageOf(row.birthMonth),
      regionName: fullName(row.villageCode ?? row.countyCode),
      visitOverdue: visitOverdue(row.lastVisitOn, chinaDate(this.now())),
      registeredElsewhere: n > 0,
    });
  }

  /**
   * The organization's roster, a page at a time, names decrypted; the listing is audited as one
   * read of the children shown. `overdue` keeps only children not visited within 30 days; `name`
   * finds children by part of their name (names are encrypted, so this decrypts the
   * organization's records in memory rather than asking the database).
   */
  async list(viewer: Viewer, organizationId: string, opts: { page: number; overdue?: boolean; name?: string }) {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const today = chinaDate(this.now());
    const cutoff = new Date(Date.parse(`${today}T00:00:00Z`) - VISIT_INTERVAL_DAYS * 86_400_000).toISOString().slice(0, 10);
    const where = and(
      eq(children.organizationId, organizationId),
      isNull(children.archivedAt),
      opts.overdue ? or(isNull(children.lastVisitOn), lt(children.lastVisitOn, cutoff)) : undefined,
    );
    const order = [asc(children.riskLevel), sql`${children.lastVisitOn} asc nulls first`, asc(children.id)];
    const byName = opts.name?.trim();
    const matching = byName
      ? (await this.deps.db.select({ id: children.id, identity: children.identity }).from(children).where(where).orderBy(...order))
          .filter((r) => this.openIdentity(r.id, r.identity).name.includes(byName))
          .map((r) => r.id)
      : undefined;
    const pageWhere = matching ? and(where, inArray(children.id, matching.length ? matching : ['00000000-0000-0000-0000-000000000000'])) : where;
    const [rows, [{ total }], [{ overdueCount }]] = await Promise.all([
      this.deps.db
        .select()
        .from(children)
        .where(pageWhere)
        .orderBy(...order)
        .limit(PAGE_SIZE)
        .offset((opts.page - 1) * PAGE_SIZE),
      this.deps.db.select({ total: count() }).from(children).where(pageWhere),
      this.deps.db
        .select({ overdueCount: count() })
        .from(children)
        .where(and(eq(children.organizationId, organizationId), isNull(children.archivedAt), or(isNull(children.lastVisitOn), lt(children.lastVisitOn, cutoff)))),
    ]);
    const ids = rows.map((r) => r.id);
    const open = ids.length
      ? await this.deps.db
          .select({ childId: needs.childId, n: count() })
          .from(needs)
          .where(and(inArray(needs.childId, ids), inArray(needs.status, [...OPEN_STATUSES])))
          .groupBy(needs.childId)
      : [];
    const openBy = new Map(open.map((o) => [o.childId, o.n]));
    if (ids.length) {
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'child.list', subjectType: 'child', reason: byName ? 'name search' : 'roster list', detail: { childIds: ids } });
    }
    const list: ChildSummaryView[] = rows.map((row) => ({
      id: row.id,
      name: this.openIdentity(row.id, row.identity).name,
      sex: row.sex as 'male' | 'female',
      ageYears: this.ageOf(row.birthMonth),
      regionName: fullName(row.villageCode ?? row.countyCode),
      childClass: row.childClass,
      riskLevel: row.riskLevel,
      lastVisitOn: row.lastVisitOn,
      visitOverdue: visitOverdue(row.lastVisitOn, today),
      openNeeds: openBy.get(row.id) ?? 0,
    }));
    return { children: list, total, overdueCount, page: opts.page, pageSize: PAGE_SIZE };
  }

  /** Records a home visit; the child's last-visit date moves forward (never back). */
  async recordVisit(viewer: Viewer, organizationId: string, childId: string, input: { visitedOn: string; findings: string }, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    if (input.visitedOn > chinaDate(this.now())) throw fieldError(t, 'visitedOn', 'children.date.future');
    await this.deps.db.transaction(async (tx) => {
      const child = await tx.query.children.findFirst({ where: and(eq(children.id, childId), eq(children.organizationId, organizationId)) });
      if (!child) throw new NotFoundError('child');
      const id = crypto.randomUUID();
      await tx.insert(visits).values({ id, childId, organizationId, visitedOn: input.visitedOn, visitorUserId: actor.userId, findings: this.deps.cipher.encrypt(input.findings, this.visitContext(id)) });
      await tx
        .update(children)
        .set({ lastVisitOn: sql`greatest(${children.lastVisitOn}, ${input.visitedOn}::date)` })
        .where(eq(children.id, childId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'visit.create', subjectType: 'child', subjectId: childId }, tx);
    });
  }

  /** A child's visits, newest first, findings decrypted (part of the audited record view). */
  async visits(viewer: Viewer, organizationId: string, childId: string) {
    requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const rows = await this.deps.db.query.visits.findMany({ where: and(eq(visits.childId, childId), eq(visits.organizationId, organizationId)), orderBy: (v, { desc }) => [desc(v.visitedOn)] });
    return rows.map((v) => ({ id: v.id, visitedOn: v.visitedOn, visitorUserId: v.visitorUserId, findings: this.deps.cipher.decrypt(v.findings, this.visitContext(v.id)) }));
  }

  /** Names and school of a child, for the need-description scrubber (not shown to anyone). */
  async scrubTerms(childId: string): Promise<{ names: string[]; schoolNames: string[] }> {
    const row = await this.deps.db.query.children.findFirst({ where: eq(children.id, childId) });
    if (!row) throw new NotFoundError('child');
    const id = this.openIdentity(row.id, row.identity);
    return { names: [id.name, id.guardianName].filter((n): n is string => Boolean(n)), schoolNames: id.school ? [id.school] : [] };
  }

  /** All of the organization's children with identities, for the audited roster export. */
  async allForExport(organizationId: string) {
    const rows = await this.deps.db.select().from(children).where(and(eq(children.organizationId, organizationId), isNull(children.archivedAt))).orderBy(asc(children.countyCode), asc(children.villageCode));
    return rows.map((r) => ({ facts: this.facts(r), identity: this.openIdentity(r.id, r.identity) }));
  }
}
