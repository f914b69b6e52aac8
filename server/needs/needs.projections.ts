/**
 * What partners, volunteers and the public see of a need: the published projection only.
 * No name, ID number, address, school, photo, contact or exact birth date can reach this shape:
 * it is built from the published_needs table, which never holds them.
 */
export interface PublicNeedView {
  publicCode: string;
  kind: string;
  urgency: number;
  description: string;
  ageBand: string | null;
  sex: string | null;
  regionCode: string | null;
  regionName: string;
  regionLevel: string | null;
  childClass: number | null;
  difficultyType: string;
  amountFen: number | null;
  status: string;
  publishedAt: Date;
}

/** The caseworker's view of a need of their own organization (the child is shown by the record page). */
export interface CaseworkerNeedView {
  id: string;
  childId: string;
  kind: string;
  description: string;
  urgency: number;
  amountFen: number | null;
  quantity: number | null;
  startOn: string | null;
  endOn: string | null;
  status: string;
  publicCode: string | null;
  visible: boolean | null;
  heldBackReason: string | null;
}
