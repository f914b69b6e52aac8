import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { organizations, projectRoles, projects } from '../db/schema';

/** A volunteer role of a project, with what a volunteer needs to judge it. */
export interface RoleListing {
  roleId: string;
  title: string;
  roleKind: string;
  cadence: string;
  requiredSkills: string[];
  slots: number;
  projectId: string;
  projectTitle: string;
  projectStatus: string;
  regionCodes: string[];
  organizationId: string;
  organizationName: string;
}

/**
 * The one door from the volunteers area to projects and their roles. The projects area is
 * being built alongside and offers no such reading yet, so this reads its tables; switch the
 * implementation to the projects service here, nowhere else.
 */
export interface RoleDirectory {
  /** Roles of projects that are open (taking volunteers). */
  openRoles(): Promise<RoleListing[]>;
  /** Roles with these ids, whatever their project's status. */
  roles(roleIds: readonly string[]): Promise<Map<string, RoleListing>>;
  /** An organization's public projects (open, full or closed), for logging hours against one. */
  projectsOf(organizationIds: readonly string[]): Promise<Array<{ id: string; title: string; organizationId: string; regionCodes: string[] }>>;
}

const PUBLIC: string[] = ['open', 'full', 'closed'];

/** Reads `project_roles`, `projects` and `organizations`. */
export function tableRoleDirectory(db: Database): RoleDirectory {
  const listing = () =>
    db
      .select({
        roleId: projectRoles.id,
        title: projectRoles.title,
        roleKind: projectRoles.roleKind,
        cadence: projectRoles.cadence,
        requiredSkills: projectRoles.requiredSkills,
        slots: projectRoles.slots,
        projectId: projects.id,
        projectTitle: projects.title,
        projectStatus: projects.status,
        regionCodes: projects.regionCodes,
        organizationId: projects.organizationId,
        organizationName: organizations.name,
      })
      .from(projectRoles)
      .innerJoin(projects, eq(projects.id, projectRoles.projectId))
      .innerJoin(organizations, eq(organizations.id, projects.organizationId));
  return {
    openRoles: () => listing().where(and(eq(projects.status, 'open'), eq(organizations.status, 'verified'))).orderBy(asc(projectRoles.createdAt), asc(projectRoles.id)),
    async roles(roleIds) {
      if (roleIds.length === 0) return new Map();
      const rows = await listing().where(inArray(projectRoles.id, [...roleIds]));
      return new Map(rows.map((r) => [r.roleId, r]));
    },
    async projectsOf(organizationIds) {
      if (organizationIds.length === 0) return [];
      return db
        .select({ id: projects.id, title: projects.title, organizationId: projects.organizationId, regionCodes: projects.regionCodes })
        .from(projects)
        .where(and(inArray(projects.organizationId, [...organizationIds]), inArray(projects.status, PUBLIC)))
        .orderBy(asc(projects.title));
    },
  };
}
