import { and, asc, eq } from 'drizzle-orm';
import type { AccountsService } from '../accounts/accounts.service';
import type { Database } from '../db/client';
import { matchProposals, needs, projects } from '../db/schema';
import { translator } from '../lib/i18n';
import type { MatchingService } from '../matching/matching.service';
import type { GuardianService } from '../volunteers/guardian.service';

export interface HelpDemoDeps {
  accounts: AccountsService;
  matching: MatchingService;
  guardian: GuardianService;
}

/** Help already running in the demo: what a spending can name, so a gift's receipt shows the needs it served. */
export interface DemoHelp {
  projectId: string;
  helpRecordIds: string[];
}

const DEMO_HELP_COUNT = 3;

/**
 * A few of the charity's own proposals taken all the way, through the real services: the
 * charity accepts, its caseworker records the grandmother's verbal consent, and confirms, so
 * help is in progress. Only needs the charity keeps itself, so the civil-affairs bureau's
 * proposals still wait for a first-time user to answer.
 */
export async function seedHelp(db: Database, deps: HelpDemoDeps, ids: { charityId: string; charityUserId: string; projectId: string }, now = new Date()): Promise<DemoHelp | null> {
  const t = translator('zh-CN');
  const actor = await deps.accounts.loadActor(ids.charityUserId);
  if (!actor) throw new Error('demo help: account missing');
  const waiting = await db
    .select({ proposalId: matchProposals.id, needId: matchProposals.needId })
    .from(matchProposals)
    .innerJoin(needs, eq(needs.id, matchProposals.needId))
    .innerJoin(projects, eq(projects.id, matchProposals.projectId))
    .where(and(eq(matchProposals.status, 'proposed'), eq(matchProposals.projectId, ids.projectId), eq(needs.organizationId, ids.charityId), eq(projects.organizationId, ids.charityId)))
    .orderBy(asc(needs.createdAt), asc(needs.id))
    .limit(DEMO_HELP_COUNT);
  if (waiting.length === 0) return null;
  const consentedOn = new Date(now.getTime() - 7 * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
  const helpRecordIds: string[] = [];
  for (const w of waiting) {
    await deps.matching.accept(actor, ids.charityId, w.proposalId, t);
    await deps.guardian.recordConsent(actor, ids.charityId, { purpose: 'help', needId: w.needId }, { guardianName: '王桂芬', guardianRelation: 'grandmother', consentedOn, consentMethod: 'verbal' }, [], t);
    helpRecordIds.push((await deps.matching.confirm(actor, ids.charityId, w.proposalId, t)).helpRecordId);
  }
  return { projectId: ids.projectId, helpRecordIds };
}
