import { and, inArray, isNotNull, max, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { disclosures } from '../db/schema';
import type { DisclosureStatus } from '../ledger/ledger.rules';
import { RuleViolationError } from '../lib/errors';
import { giftLockout, projectDisclosureStatus, type PublishedDisclosure } from './funds.rules';
import { takesGifts, type FundedProject, type ProjectDirectory } from './project-directory';

export interface DisclosureLockoutDeps {
  db: Database;
  projects: ProjectDirectory;
  now?: () => Date;
}

/**
 * Which projects are locked out for an overdue disclosure (`giftLockout`). Its own small piece,
 * not part of FundsService, because donations (refusing gifts) and projects (leaving the public
 * list) need it and FundsService itself reads donations. Computed on every call from the
 * disclosures, never stored, so publishing the owed report lifts the lock-out at once.
 */
export class DisclosureLockout {
  private readonly now: () => Date;
  constructor(private readonly deps: DisclosureLockoutDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** What each of these projects owes next (null: nothing), from its dates and the disclosures that count. */
  async statuses(projects: ReadonlyArray<Pick<FundedProject, 'id' | 'startOn' | 'endOn'>>, today: Date = this.now()): Promise<Map<string, DisclosureStatus | null>> {
    const dated = projects.filter((p) => p.startOn);
    const out = new Map<string, DisclosureStatus | null>(projects.map((p) => [p.id, null]));
    if (dated.length === 0) return out;
    // Only the latest counting disclosure and the latest leftover report matter to the rules.
    const rows = await this.deps.db
      .select({
        projectId: disclosures.projectId,
        last: max(disclosures.publishedAt),
        leftover: sql<Date | string | null>`max(${disclosures.publishedAt}) filter (where ${disclosures.kind} = 'leftover')`,
      })
      .from(disclosures)
      .where(and(isNotNull(disclosures.projectId), inArray(disclosures.projectId, dated.map((p) => p.id)), inArray(disclosures.kind, ['quarterly', 'final', 'leftover'])))
      .groupBy(disclosures.projectId);
    const made = new Map(rows.map((r) => [r.projectId!, r]));
    for (const p of dated) {
      const r = made.get(p.id);
      const published: PublishedDisclosure[] = [];
      if (r?.last) published.push({ kind: 'quarterly', publishedAt: new Date(r.last), periodEnd: '' });
      if (r?.leftover) published.push({ kind: 'leftover', publishedAt: new Date(r.leftover), periodEnd: '' });
      out.set(p.id, projectDisclosureStatus(p, published, today));
    }
    return out;
  }

  /** The overdue disclosure that locks this project out of new gifts, or null. */
  async lockoutOf(project: Pick<FundedProject, 'id' | 'startOn' | 'endOn' | 'status'>): Promise<DisclosureStatus | null> {
    if (!takesGifts(project)) return null;
    return (await this.lockouts([project])).get(project.id) ?? null;
  }

  /** Which of these projects are locked out, each with the overdue disclosure that locks it. */
  async lockouts(projects: ReadonlyArray<Pick<FundedProject, 'id' | 'startOn' | 'endOn'>>): Promise<Map<string, DisclosureStatus>> {
    const statuses = await this.statuses(projects);
    const out = new Map<string, DisclosureStatus>();
    for (const [id, status] of statuses) {
      const locked = giftLockout(status);
      if (locked) out.set(id, locked);
    }
    return out;
  }

  /** Projects still taking gifts by their status that an overdue disclosure locks out: they leave the public list and search. */
  async lockedProjectIds(): Promise<string[]> {
    return [...(await this.lockouts((await this.deps.projects.allPublic()).filter(takesGifts))).keys()];
  }
}

/** Rule: a project locked out for an overdue disclosure takes no new gift, online or offline; the refusal names the report owed and how late it is. */
export function refuseIfLocked(lockout: DisclosureStatus | null | undefined): void {
  if (lockout) throw new RuleViolationError(`donations.project_locked.${lockout.kind}`, { days: lockout.daysOverdue });
}
