/**
 * Pure rules of opportunities: which project roles fit a volunteer, and in what order.
 * No I/O. Regions are division codes; how far apart two are is estimated from the hierarchy
 * (same county, same city, same province), which is all a volunteer's "how far will you
 * travel" can be compared with when nobody's address is known.
 */
import { regionPrefix } from '../matching/matching.rules';
import { ROLE_SKILL, skillCodeOf, type RoleKind } from './volunteers.rules';

/** Roles that work over video as well as in person; an online-only volunteer fits only these. */
export const REMOTE_CAPABLE_ROLES: readonly string[] = ['tutor', 'counselor'];

/** Rough distance (km) of each step of the hierarchy, compared with the volunteer's travel distance. */
export const DISTANCE_KM = { county: 0, city: 50, province: 200, farther: 1000 } as const;
type Closeness = keyof typeof DISTANCE_KM;

export interface VolunteerFit {
  skills: string[];
  tutoringSubjects: string[];
  /** The volunteer's county, or null when online only. */
  regionCode: string | null;
  travelKm: number;
  onlineOnly: boolean;
  /** Role kinds an organization has already qualified the volunteer for, per organization id. */
  qualified: ReadonlyMap<string, readonly string[]>;
}

export interface OpenRole {
  roleId: string;
  organizationId: string;
  roleKind: string;
  requiredSkills: string[];
  /** The project's regions (any level). */
  regionCodes: string[];
  slotsLeft: number;
}

export interface FitReason {
  code: string;
  params?: Record<string, string | number>;
}

export interface RankedRole {
  roleId: string;
  score: number;
  closeness: Closeness | 'online';
  reasons: FitReason[];
  /** Required skills the volunteer did not list (shown, not disqualifying): a known code, or the project's own words. */
  missing: Array<{ skill: string; known: boolean }>;
}

/** How near the volunteer's county is to the nearest of a project's regions. */
export function closeness(volunteerCounty: string, regionCodes: readonly string[]): Closeness {
  let best: Closeness = 'farther';
  const order: Closeness[] = ['county', 'city', 'province', 'farther'];
  for (const code of regionCodes) {
    // A project covering a whole city or province covers the volunteer's own county too.
    const c: Closeness = volunteerCounty.startsWith(regionPrefix(code)) || code.startsWith(volunteerCounty) ? 'county' : code.slice(0, 4) === volunteerCounty.slice(0, 4) ? 'city' : code.slice(0, 2) === volunteerCounty.slice(0, 2) ? 'province' : 'farther';
    if (order.indexOf(c) < order.indexOf(best)) best = c;
  }
  return best;
}

const CLOSENESS_POINTS: Record<Closeness | 'online', number> = { county: 30, city: 20, province: 10, farther: 0, online: 15 };

/**
 * The open roles that fit a volunteer, best first. A role fits when it has places left, the
 * volunteer offers its core skill (a tutor role needs tutoring), and it is within the
 * volunteer's travel distance — or, for an online-only volunteer, the role can be done over
 * video. Required skills written in words ("小学数学") count as the code they name. Score: each required skill offered +30 (missing −40), already qualified for this kind
 * by the role's organization +50, nearer is better.
 */
export function rankRoles(v: VolunteerFit, roles: readonly OpenRole[]): RankedRole[] {
  const offered = new Set([...v.skills, ...v.tutoringSubjects].map((s) => s.toLowerCase()));
  const ranked: RankedRole[] = [];
  for (const role of roles) {
    if (role.slotsLeft <= 0) continue;
    const core = ROLE_SKILL[role.roleKind as RoleKind] ?? null;
    if (core && !offered.has(core)) continue;
    let where: Closeness | 'online';
    if (v.onlineOnly || !v.regionCode) {
      if (!REMOTE_CAPABLE_ROLES.includes(role.roleKind)) continue;
      where = 'online';
    } else {
      where = closeness(v.regionCode, role.regionCodes);
      if (DISTANCE_KM[where] > v.travelKm) {
        if (!REMOTE_CAPABLE_ROLES.includes(role.roleKind)) continue;
        where = 'online';
      }
    }
    const required = [...new Set([...(core ? [core] : []), ...role.requiredSkills.map((s) => skillCodeOf(s) ?? s.trim())])];
    const matched = required.filter((s) => offered.has(s));
    const missing = required.filter((s) => !offered.has(s)).map((skill) => ({ skill, known: skillCodeOf(skill) === skill }));
    const reasons: FitReason[] = [{ code: `volunteers.fit.${where}` }];
    if (matched.length) reasons.push({ code: 'volunteers.fit.skills', params: { count: matched.length } });
    const qualified = (v.qualified.get(role.organizationId) ?? []).includes(role.roleKind);
    if (qualified) reasons.push({ code: 'volunteers.fit.qualified' });
    const score = matched.length * 30 - missing.length * 40 + (qualified ? 50 : 0) + CLOSENESS_POINTS[where];
    ranked.push({ roleId: role.roleId, score, closeness: where, reasons, missing });
  }
  return ranked.sort((a, b) => b.score - a.score || a.roleId.localeCompare(b.roleId));
}
