/**
 * The privacy line: what each audience may see of a child, declared once. Services build these
 * shapes and nothing else leaves them; no call site picks fields of its own.
 *
 * | audience                         | sees                                                        |
 * |----------------------------------|-------------------------------------------------------------|
 * | caseworker / admin of the org    | ChildRecordView: the whole record, decrypted (audited)      |
 * | caseworker list of the org       | ChildSummaryView: name, age, village, categories (audited)  |
 * | partners, volunteers, public     | PublicNeedView (needs/needs.projections.ts): no identity    |
 * | donors (a gift's receipt)        | ServedNeedView: code, kind, published region — a part of it |
 * | the spending's finance, approver | SpendingHelpRecord (matching): need code, kind, status      |
 */

/** The identifying part of a child's record; stored only as one encrypted token. */
export interface ChildIdentity {
  name: string;
  idNumber: string | null;
  birthDate: string;
  ethnicity: string | null;
  guardianName: string | null;
  guardianRelation: string | null;
  guardianPhone: string | null;
  residence: string | null;
  school: string | null;
  householdRegistration: string | null;
  healthNote: string | null;
  notes: string | null;
}

export interface ChildFacts {
  id: string;
  organizationId: string;
  sex: 'male' | 'female';
  birthMonth: string;
  villageCode: string | null;
  townshipCode: string | null;
  countyCode: string;
  childClass: number;
  difficultyType: string;
  riskLevel: number;
  schooling: string | null;
  health: string | null;
  guardianshipType: string | null;
  boarding: boolean | null;
  lastVisitOn: string | null;
}

/** The caseworker's view of one child: everything, for the child's own organization only. */
export interface ChildRecordView extends ChildFacts, ChildIdentity {
  ageYears: number;
  regionName: string;
  visitOverdue: boolean;
  /** Another organization has registered the same child (which one is never said). */
  registeredElsewhere: boolean;
}

/** A row of the caseworker's roster list. */
export interface ChildSummaryView {
  id: string;
  name: string;
  sex: 'male' | 'female';
  ageYears: number;
  regionName: string;
  childClass: number;
  riskLevel: number;
  lastVisitOn: string | null;
  visitOverdue: boolean;
  openNeeds: number;
}

export const caseworkerRecord = (facts: ChildFacts, identity: ChildIdentity, extra: Pick<ChildRecordView, 'ageYears' | 'regionName' | 'visitOverdue' | 'registeredElsewhere'>): ChildRecordView => ({
  ...facts,
  ...identity,
  ...extra,
});
