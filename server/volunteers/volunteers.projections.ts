/**
 * The privacy line of the volunteers area: what each side sees of a pairing, declared once.
 *
 * | audience                            | sees                                                             |
 * |-------------------------------------|------------------------------------------------------------------|
 * | the paired volunteer (once approved)| VolunteerPairingView: nickname, the needs' public projection     |
 * |                                     | (kind, age band, county, published text), schedule, own check-ins|
 * | the organization's coordinators     | OrgPairingView: the volunteer, the needs by public code, status, |
 * |                                     | check-ins (notes only for caseworkers, supervisors and admins)   |
 *
 * | the organization's caseworkers,     | CaseworkerConsentView: the guardian's consent in full (name,     |
 * | supervisors and admins              | relation, date, how, witness, form file, withdrawal) and         |
 * |                                     | GuardianContactView: their own contacts with the guardian        |
 * | the organization's staff            | ConsentStatusView: only whether a consent is in force            |
 *
 * A volunteer never receives a child's name, ID number, birth date, address, village, school,
 * phone or guardian: VolunteerPairingView is built only from the pairing row and the
 * published_needs projection (see PublishedNeedFacts), never from the children table.
 */
import { fullName } from '../lib/regions';
import type { CheckInSchedule } from './pairings.rules';

/** The columns of a need's published projection this area reads: nothing else of a need reaches a volunteer. */
export interface PublishedNeedFacts {
  kind: string;
  ageBand: string | null;
  regionCode: string | null;
  description: string;
  /** False while k-anonymity holds the need back: then only its kind may be shown. */
  visible: boolean;
}

/** One need of a pairing as the volunteer sees it. */
export interface VolunteerNeedView {
  kind: string;
  ageBand: string | null;
  regionName: string | null;
  description: string | null;
}

export interface VolunteerCheckInView {
  id: string;
  occurredOn: string;
  mode: string;
  minutes: number;
  notes: string;
  reviewed: boolean;
}

/** The pairing row's fields either side may see (never who requested or approved it, nor the closing note). */
export interface PairingFacts {
  id: string;
  organizationId: string;
  nickname: string;
  roleKind: string;
  status: string;
  startOn: string | null;
  endOn: string | null;
  termMonths: number;
  checkInEvery: string;
  renewals: number;
}

/** Picks PairingFacts out of a pairing row field by field, so nothing else of the row travels. */
export const pairingFacts = (p: PairingFacts): PairingFacts => ({
  id: p.id,
  organizationId: p.organizationId,
  nickname: p.nickname,
  roleKind: p.roleKind,
  status: p.status,
  startOn: p.startOn,
  endOn: p.endOn,
  termMonths: p.termMonths,
  checkInEvery: p.checkInEvery,
  renewals: p.renewals,
});

/** A pairing as the paired volunteer sees it. */
export interface VolunteerPairingView extends PairingFacts {
  organizationName: string;
  schedule: CheckInSchedule | null;
  termEnded: boolean;
  needs: VolunteerNeedView[];
  checkIns: VolunteerCheckInView[];
}

/** The need as the volunteer may see it: a held-back need shows its kind alone. */
export const volunteerNeed = (n: PublishedNeedFacts): VolunteerNeedView =>
  n.visible ? { kind: n.kind, ageBand: n.ageBand, regionName: n.regionCode ? fullName(n.regionCode) : null, description: n.description } : { kind: n.kind, ageBand: null, regionName: null, description: null };

/** The one place a pairing becomes what its volunteer sees. */
export function volunteerPairingView(
  p: PairingFacts,
  extra: { organizationName: string; needs: PublishedNeedFacts[]; checkIns: VolunteerCheckInView[]; schedule: CheckInSchedule | null; termEnded: boolean },
): VolunteerPairingView {
  return { ...pairingFacts(p), organizationName: extra.organizationName, schedule: extra.schedule, termEnded: extra.termEnded, needs: extra.needs.map(volunteerNeed), checkIns: extra.checkIns };
}

/** One need of a pairing as its organization sees it; the child's record is one (audited) link away for caseworkers. */
export interface OrgPairingNeedView {
  needId: string;
  childId: string;
  publicCode: string;
  kind: string;
  ageBand: string | null;
  regionName: string | null;
}

export interface OrgCheckInView {
  id: string;
  occurredOn: string;
  mode: string;
  minutes: number;
  /** Whether the guardian, the caseworker was there (null on check-ins recorded before this was asked). */
  guardianPresent: boolean | null;
  caseworkerPresent: boolean | null;
  /** Null when the viewer may not read notes about children (staff who are not caseworkers). */
  notes: string | null;
  reviewedAt: Date | null;
  reviewNote: string | null;
}

/** A pairing as its organization sees it. */
export interface OrgPairingView extends PairingFacts {
  volunteerUserId: string;
  volunteerName: string;
  requestedByName: string;
  statusReason: string | null;
  closingNote: string | null;
  schedule: CheckInSchedule | null;
  termEnded: boolean;
  needs: OrgPairingNeedView[];
  checkIns: OrgCheckInView[];
}

/**
 * A guardian's consent as the child's keepers see it (decrypted, and that read audited). The
 * form file is a link to an audited download, never inlined.
 */
export interface CaseworkerConsentView {
  id: string;
  guardianName: string;
  relation: string;
  consentedOn: string;
  method: string;
  /** The caseworker who heard a verbal consent. */
  witnessName: string | null;
  hasForm: boolean;
  recordedByName: string;
  withdrawnOn: string | null;
  withdrawalNote: string | null;
  inForce: boolean;
}

/** The columns of a stored consent its keepers' view is built from (the name and note arrive decrypted, separately). */
export interface ConsentRecordFacts {
  id: string;
  relation: string;
  consentedOn: string;
  method: string;
  witnessUserId: string | null;
  formSha256: string | null;
  recordedBy: string;
  withdrawnOn: string | null;
}

/** The one place a stored consent becomes what the child's keepers see; `names` are display names by user id. */
export const caseworkerConsent = (c: ConsentRecordFacts, opened: { guardianName: string; withdrawalNote: string | null; inForce: boolean }, names: ReadonlyMap<string, string>): CaseworkerConsentView => ({
  id: c.id,
  guardianName: opened.guardianName,
  relation: c.relation,
  consentedOn: c.consentedOn,
  method: c.method,
  witnessName: c.witnessUserId ? (names.get(c.witnessUserId) ?? '') : null,
  hasForm: c.formSha256 !== null,
  recordedByName: names.get(c.recordedBy) ?? '',
  withdrawnOn: c.withdrawnOn,
  withdrawalNote: opened.withdrawalNote,
  inForce: opened.inForce,
});

/** What anyone else in the organization (staff coordinating volunteers) learns of a consent: whether one is in force. */
export interface ConsentStatusView {
  inForce: boolean;
}

/** A caseworker's contact with the guardian; the note only for the child's keepers. */
export interface GuardianContactView {
  id: string;
  occurredOn: string;
  mode: string;
  note: string | null;
  recordedByName: string;
}
