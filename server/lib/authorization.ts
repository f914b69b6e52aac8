import { ForbiddenError, NotSignedInError } from './errors';

/**
 * The one authorization helper every service uses. A service states its rule with one call at
 * the top of a use case; templates never decide who may do what.
 */
export const ORG_ROLES = ['admin', 'caseworker', 'supervisor', 'finance', 'staff'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export const ORG_KINDS = ['charity', 'enterprise', 'government', 'platform'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];
export type OrgStatus = 'pending' | 'verified' | 'rejected';

export interface Membership {
  organizationId: string;
  organizationName: string;
  organizationKind: OrgKind;
  organizationStatus: OrgStatus;
  roles: OrgRole[];
}

/** Who is asking: a signed-in user with their capacities and memberships. */
export interface Actor {
  userId: string;
  email: string;
  displayName: string;
  isPlatformAdmin: boolean;
  isVolunteer: boolean;
  isDonor: boolean;
  memberships: Membership[];
}

/** Anyone, signed in or not. */
export type Viewer = Actor | null;

/** Rule: the viewer must be signed in. */
export function requireSignedIn(viewer: Viewer): Actor {
  if (!viewer) throw new NotSignedInError('sign-in required');
  return viewer;
}

/** Rule: only platform administrators. */
export function requirePlatformAdmin(viewer: Viewer): Actor {
  const actor = requireSignedIn(viewer);
  if (!actor.isPlatformAdmin) throw new ForbiddenError('platform admin only');
  return actor;
}

/** Rule: the actor has the volunteer capacity (chosen at sign-up, in the account, or by saving a volunteer profile). */
export function requireVolunteer(viewer: Viewer): Actor {
  const actor = requireSignedIn(viewer);
  if (!actor.isVolunteer) throw new ForbiddenError('volunteer only');
  return actor;
}

/**
 * Rule: the actor holds one of `roles` in the organization. Unless `allowUnverified`, the
 * organization must be verified by the platform: a pending applicant cannot act in its name.
 */
export function requireOrgRole(
  viewer: Viewer,
  organizationId: string,
  roles: readonly OrgRole[],
  opts: { allowUnverified?: boolean } = {},
): { actor: Actor; membership: Membership } {
  const actor = requireSignedIn(viewer);
  const membership = actor.memberships.find((m) => m.organizationId === organizationId);
  if (!membership || !membership.roles.some((r) => roles.includes(r))) throw new ForbiddenError('organization role required');
  if (!opts.allowUnverified && membership.organizationStatus !== 'verified') throw new ForbiddenError('organization not verified');
  return { actor, membership };
}

/** Rule: the actor belongs to a verified organization of one of `kinds` (e.g. government offices). */
export function requireOrgKind(viewer: Viewer, kinds: readonly OrgKind[]): { actor: Actor; membership: Membership } {
  const actor = requireSignedIn(viewer);
  const membership = actor.memberships.find((m) => kinds.includes(m.organizationKind) && m.organizationStatus === 'verified');
  if (!membership) throw new ForbiddenError('organization kind required');
  return { actor, membership };
}

/** True when the actor holds a role in a verified organization; such staff get the stricter session timeout. */
export const isOrgStaff = (actor: Actor): boolean => actor.memberships.some((m) => m.organizationStatus === 'verified');
