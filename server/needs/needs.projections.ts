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

/**
 * A need as the public trace of money shows it (a gift's receipt: the needs a spending it paid
 * for served): public code, kind and the region it is published under (county or coarser, as on
 * the board) — a part of `PublicNeedView`, never more, so no description, age, sex or class.
 * A need no longer on the board (met, held back) keeps its code and kind, with no region.
 */
export interface ServedNeedView {
  publicCode: string;
  kind: string;
  /** Empty when the need is not on the board. */
  regionName: string;
  /** On the board now: its public page opens. */
  listed: boolean;
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
  /** An open request for a supervisor: 'publication' while awaiting approval, 'withdrawal' while a withdrawal waits. */
  openReview: 'publication' | 'withdrawal' | null;
  /** The supervisor's note when the last request was returned and nothing has been asked since. */
  returnNote: string | null;
  returnedWhat: 'publication' | 'withdrawal' | null;
  /** On the board and no request open: the withdraw form is offered (one step, or a request if it is being helped). */
  withdrawable: boolean;
}

/** What a published need would show of the child, decided over the current published set. */
export type TuplePreview =
  | { heldBack: false; ageBand: string; sex: string | null; regionName: string; childClass: number | null }
  | { heldBack: true; reason: string };

/**
 * One request in a supervisor's queue. The privacy line: the need's text as it would be
 * published and the generalized tuple — no name, ID number or address of the child, though the
 * supervisor, a caseworker of the organization, may open the (audited) child record.
 */
export interface NeedReviewView {
  needId: string;
  childId: string;
  kind: 'publication' | 'withdrawal';
  needKind: string;
  urgency: number;
  amountFen: number | null;
  /** The description with anything scrubbing flags blacked out (clean text is shown as is). */
  preview: string;
  needStatus: string;
  publicCode: string | null;
  requestedByName: string;
  requestedAt: Date;
  /** The withdrawal's reason. */
  reason: string | null;
  tuple: TuplePreview | null;
  /** False on the viewer's own request or own need (four-eyes). */
  mayDecide: boolean;
}
