import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

/** What the money side needs to know of a project: whose it is, what it is called, when it runs. */
export interface FundedProject {
  id: string;
  organizationId: string;
  title: string;
  fundingGoalFen: number | null;
  /** YYYY-MM-DD, China calendar; null when not set. */
  startOn: string | null;
  endOn: string | null;
  status: string;
}

/**
 * Project statuses as the projects area names them (projects.rules: PUBLIC_PROJECT_STATUSES):
 * the public sees open, full and closed projects; only open and full ones still take gifts.
 */
export const PUBLIC_PROJECT_STATUSES = ['open', 'full', 'closed'] as const;
export const GIFT_TAKING_STATUSES = ['open', 'full'] as const;
export const isPublicProject = (p: { status: string }): boolean => (PUBLIC_PROJECT_STATUSES as readonly string[]).includes(p.status);
export const takesGifts = (p: { status: string }): boolean => (GIFT_TAKING_STATUSES as readonly string[]).includes(p.status);

/**
 * The one door from the money areas to projects. The projects area is being built alongside;
 * until its service exists this reads its table directly (and finds nothing while the table
 * does not exist). Switch the implementation to the projects service here, nowhere else.
 */
export interface ProjectDirectory {
  /** The projects with these ids that exist. */
  find(ids: readonly string[]): Promise<Map<string, FundedProject>>;
  /** An organization's projects, newest first. */
  forOrganization(organizationId: string): Promise<FundedProject[]>;
  /** Every public project (open, full or closed): the ones that owe disclosures. */
  allPublic(): Promise<FundedProject[]>;
}

interface ProjectRow extends Record<string, unknown> {
  id: string;
  organization_id: string;
  title: string;
  funding_goal_fen: string | number | null;
  start_on: string | Date | null;
  end_on: string | Date | null;
  status: string;
}

const day = (v: string | Date | null): string | null => (v === null ? null : typeof v === 'string' ? v.slice(0, 10) : v.toISOString().slice(0, 10));
const toProject = (r: ProjectRow): FundedProject => ({
  id: r.id,
  organizationId: r.organization_id,
  title: r.title,
  fundingGoalFen: r.funding_goal_fen === null ? null : Number(r.funding_goal_fen),
  startOn: day(r.start_on),
  endOn: day(r.end_on),
  status: r.status,
});

/** Reads the `projects` table (organization_id, title, funding_goal_fen, start_on, end_on, status) once it exists. */
export function tableProjectDirectory(db: Database): ProjectDirectory {
  let exists = false;
  const ready = async () => {
    if (exists) return true;
    const res = await db.execute<{ t: string | null }>(sql`select to_regclass('public.projects')::text as t`);
    exists = Boolean((res as unknown as { rows: Array<{ t: string | null }> }).rows[0]?.t);
    return exists;
  };
  const rowsOf = (res: unknown) => (res as { rows: ProjectRow[] }).rows;
  const columns = sql`id::text as id, organization_id::text as organization_id, title, funding_goal_fen, start_on, end_on, status`;
  return {
    async find(ids) {
      if (ids.length === 0 || !(await ready())) return new Map();
      const list = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
      const res = await db.execute(sql`select ${columns} from projects where id in (${list})`);
      return new Map(rowsOf(res).map((r) => [r.id, toProject(r)]));
    },
    async forOrganization(organizationId) {
      if (!(await ready())) return [];
      const res = await db.execute(sql`select ${columns} from projects where organization_id = ${organizationId}::uuid order by start_on desc nulls last, title`);
      return rowsOf(res).map(toProject);
    },
    async allPublic() {
      if (!(await ready())) return [];
      const statuses = sql.join(PUBLIC_PROJECT_STATUSES.map((s) => sql`${s}`), sql`, `);
      const res = await db.execute(sql`select ${columns} from projects where status in (${statuses})`);
      return rowsOf(res).map(toProject);
    },
  };
}

/** A fixed list of projects: for tests, and for demos that run before projects exist. */
export function staticProjectDirectory(projects: FundedProject[]): ProjectDirectory {
  return {
    async find(ids) {
      return new Map(projects.filter((p) => ids.includes(p.id)).map((p) => [p.id, p]));
    },
    async forOrganization(organizationId) {
      return projects.filter((p) => p.organizationId === organizationId);
    },
    async allPublic() {
      return projects.filter(isPublicProject);
    },
  };
}
