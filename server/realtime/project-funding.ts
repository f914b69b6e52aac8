import type { ProjectDirectory } from '../funds/project-directory';
import type { LedgerService } from '../ledger/ledger.service';
import type { Logger } from '../lib/logger';
import { formatFen } from '../lib/money';
import type { RealtimeHub } from './hub';
import type { PublicCache } from '../lib/public-cache';

/** What anyone may see of a project's money on its page: raised against the goal. */
export interface ProjectFunding {
  raisedFen: number;
  goalFen: number | null;
  /** Whole percent of the goal raised, capped at 100 for the bar; null without a goal. */
  percent: number | null;
}

/** The bar's share: whole percent of the goal, never above 100 (more than the goal is a full bar). */
export function fundingPercent(raisedFen: number, goalFen: number | null): number | null {
  if (!goalFen || goalFen <= 0) return null;
  return Math.min(100, Math.floor((raisedFen * 100) / goalFen));
}

/**
 * A project's public funding figures — raised is the ledger's donations to the project's fund,
 * the same figure its fund-use report shows — and the live push of them to every open page of
 * the project (room `project:<id>`). Only public figures travel; never who gave.
 */
export class ProjectFundingFigures {
  constructor(private readonly deps: { ledger: LedgerService; projects: ProjectDirectory; hub: RealtimeHub; logger: Logger; publicCache?: PublicCache }) {}

  /** Raised against goal for one project; null when the money side does not know the project. */
  async of(projectId: string): Promise<ProjectFunding | null> {
    const project = (await this.deps.projects.find([projectId])).get(projectId);
    if (!project) return null;
    const figures = await this.deps.ledger.figures({ orgId: project.organizationId, projectId });
    return { raisedFen: figures.donationsFen, goalFen: project.fundingGoalFen, percent: fundingPercent(figures.donationsFen, project.fundingGoalFen) };
  }

  /**
   * Pushes the project's new figures to its room. Call after the gift's transaction committed;
   * a failure is logged, never thrown: the gift stands, and a page reload shows the figure.
   */
  async announce(projectId: string): Promise<void> {
    // The project's page shows the raised figure: the next view reads it afresh.
    this.deps.publicCache?.invalidate();
    try {
      const funding = await this.of(projectId);
      if (!funding) return;
      this.deps.hub.toProject(projectId, 'figures', { room: `project:${projectId}`, values: { raised: formatFen(funding.raisedFen), percent: String(funding.percent ?? 0) } });
    } catch (err) {
      this.deps.logger.warn('live project figures not sent', { projectId, err });
    }
  }
}
