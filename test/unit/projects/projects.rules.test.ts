import { canTransition, lockedChanges, projectActions, regionWithinArea, statusForCapacity, termsProblems, withinReviewArea, type ProjectTerms } from '../../../server/projects/projects.rules';

const terms = (over: Partial<ProjectTerms> = {}): ProjectTerms => ({
  needKinds: ['tutoring'],
  regionCodes: ['520324'],
  eligibleClasses: [],
  minAge: 6,
  maxAge: 15,
  capacity: 10,
  budgetPerChildFen: 120_000,
  fundingGoalFen: 1_200_000,
  startOn: '2026-03-01',
  endOn: '2027-02-28',
  ...over,
});
const ctx = { areaCode: '520300', assigned: 0, today: '2026-03-01' };

describe('project statuses', () => {
  it('goes draft → under review → open → full → closed, and back to review after a rejection', () => {
    expect(canTransition('draft', 'under_review')).toBe(true);
    expect(canTransition('under_review', 'open')).toBe(true);
    expect(canTransition('under_review', 'rejected')).toBe(true);
    expect(canTransition('rejected', 'under_review')).toBe(true);
    expect(canTransition('open', 'full')).toBe(true);
    expect(canTransition('full', 'open')).toBe(true);
    expect(canTransition('full', 'closed')).toBe(true);
  });

  it('never opens a project without review, and never reopens a closed one', () => {
    expect(canTransition('draft', 'open')).toBe(false);
    expect(canTransition('rejected', 'open')).toBe(false);
    expect(canTransition('closed', 'open')).toBe(false);
    expect(canTransition('closed', 'under_review')).toBe(false);
  });

  it('offers exactly the actions the status allows', () => {
    expect(projectActions('draft')).toEqual({ edit: true, submit: true, close: false, isPublic: false, addRoles: true });
    expect(projectActions('under_review')).toEqual({ edit: false, submit: false, close: false, isPublic: false, addRoles: true });
    expect(projectActions('open')).toEqual({ edit: true, submit: false, close: true, isPublic: true, addRoles: true });
    expect(projectActions('closed')).toEqual({ edit: false, submit: false, close: false, isPublic: true, addRoles: false });
  });
});

describe('regions inside the organization\'s area', () => {
  it('accepts any level of division inside the area and refuses the rest', () => {
    expect(regionWithinArea('520324', '520300')).toBe(true);
    expect(regionWithinArea('520324101', '520300')).toBe(true);
    expect(regionWithinArea('520324101201', '520324')).toBe(true);
    expect(regionWithinArea('520300', '520300')).toBe(true);
    expect(regionWithinArea('520000', '520300')).toBe(false);
    expect(regionWithinArea('520102', '520300')).toBe(false);
    expect(regionWithinArea('520325', '520324')).toBe(false);
  });

  it('leaves an organization registered at a province free within it, and one without a region free everywhere', () => {
    expect(regionWithinArea('520324', '520000')).toBe(true);
    expect(regionWithinArea('110101', '520000')).toBe(false);
    expect(regionWithinArea('110101', null)).toBe(true);
  });
});

describe('who may review a project', () => {
  it('lets a government office review only projects whose regions all lie inside its registered region', () => {
    expect(withinReviewArea(['520324', '520324101'], ['520324'])).toBe(true);
    expect(withinReviewArea(['520324', '520325'], ['520300'])).toBe(true);
    expect(withinReviewArea(['520324', '520325'], ['520324'])).toBe(false);
    expect(withinReviewArea(['520000'], ['520300'])).toBe(false);
    // Two offices: one of them must cover the whole project.
    expect(withinReviewArea(['520324', '520502'], ['520324', '520502'])).toBe(false);
    expect(withinReviewArea(['520324', '520502'], ['520324', '520000'])).toBe(true);
  });

  it('lets platform admins review everywhere, and an office without a registered region nowhere', () => {
    expect(withinReviewArea(['110000', '520324'], null)).toBe(true);
    expect(withinReviewArea(['520324'], [])).toBe(false);
  });
});

describe('terms', () => {
  it('accepts sound terms', () => {
    expect(termsProblems(terms(), ctx)).toEqual([]);
  });

  it('names the end date when it is before the start, or already past', () => {
    expect(termsProblems(terms({ endOn: '2026-02-01' }), ctx)).toEqual([{ field: 'endOn', code: 'projects.rules.end_before_start' }]);
    expect(termsProblems(terms({ startOn: '2025-01-01', endOn: '2025-12-31' }), ctx)).toEqual([{ field: 'endOn', code: 'projects.rules.already_ended' }]);
  });

  it('names every region outside the area', () => {
    expect(termsProblems(terms({ regionCodes: ['520324', '520102', '110101'] }), ctx)).toEqual([
      { field: 'regionCodes', code: 'projects.rules.region_outside_area', params: { codes: '520102、110101', area: '520300' } },
    ]);
  });

  it('refuses a capacity below the children already confirmed or accepted', () => {
    expect(termsProblems(terms({ capacity: 3 }), { ...ctx, assigned: 4 })).toEqual([{ field: 'capacity', code: 'projects.rules.capacity_below_assigned', params: { assigned: 4 } }]);
    expect(termsProblems(terms({ capacity: 4 }), { ...ctx, assigned: 4 })).toEqual([]);
  });

  it('refuses reversed ages and a funding goal below one child\'s budget, all at once', () => {
    const problems = termsProblems(terms({ minAge: 12, maxAge: 8, fundingGoalFen: 100 }), ctx).map((p) => p.field);
    expect(problems).toEqual(['maxAge', 'fundingGoalFen']);
  });
});

describe('what may change once public', () => {
  it('lets drafts and rejected projects change freely, and nothing under review or closed', () => {
    expect(lockedChanges('draft', terms(), terms({ regionCodes: ['520325'], minAge: 3 }))).toEqual([]);
    expect(lockedChanges('rejected', terms(), terms({ needKinds: ['education'] }))).toEqual([]);
    expect(lockedChanges('under_review', terms(), terms())).toBe('all');
    expect(lockedChanges('closed', terms(), terms())).toBe('all');
  });

  it('keeps an open project\'s promises but lets capacity, end date and money move', () => {
    expect(lockedChanges('open', terms(), terms({ capacity: 20, endOn: '2027-06-30', fundingGoalFen: 2_400_000 }))).toEqual([]);
    expect(lockedChanges('open', terms(), terms({ needKinds: ['tutoring', 'education'], minAge: 3 }))).toEqual(['needKinds', 'minAge']);
    expect(lockedChanges('full', terms({ regionCodes: ['520324', '520325'] }), terms({ regionCodes: ['520325', '520324'] }))).toEqual([]);
  });
});

describe('capacity and status', () => {
  it('fills a project when every place is taken and reopens it when places come back', () => {
    expect(statusForCapacity('open', 10, 9)).toBe('open');
    expect(statusForCapacity('open', 10, 10)).toBe('full');
    expect(statusForCapacity('full', 12, 10)).toBe('open');
    expect(statusForCapacity('closed', 12, 10)).toBe('closed');
    expect(statusForCapacity('draft', 1, 5)).toBe('draft');
  });
});
