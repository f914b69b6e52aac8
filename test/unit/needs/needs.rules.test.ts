import { canTransition, isBeingHelped, mayDecideReview, NEED_STATUSES, OPEN_STATUSES, PUBLIC_STATUSES } from '../../../server/needs/needs.rules';

describe('the road to publication', () => {
  it('goes through approval: a draft is submitted, never published directly', () => {
    expect(canTransition('draft', 'awaiting_approval')).toBe(true);
    expect(canTransition('draft', 'published')).toBe(false);
    expect(canTransition('awaiting_approval', 'published')).toBe(true);
  });

  it('returns an awaiting need to draft, and nowhere else but publication', () => {
    expect(NEED_STATUSES.filter((to) => canTransition('awaiting_approval', to))).toEqual(['draft', 'published']);
  });

  it('keeps an awaiting need off the board but counts it as open', () => {
    expect(PUBLIC_STATUSES).not.toContain('awaiting_approval');
    expect(OPEN_STATUSES).toEqual(['draft', 'awaiting_approval', 'published', 'matched', 'being_helped']);
  });
});

describe('being helped', () => {
  it.each([
    ['matched', false, true],
    ['being_helped', false, true],
    ['published', true, true],
    ['published', false, false],
    ['draft', false, false],
  ] as const)('a need %s, paired with a volunteer: %s → %s', (status, paired, helped) => {
    expect(isBeingHelped(status, paired)).toBe(helped);
  });
});

describe('four-eyes on needs', () => {
  const need = { createdBy: 'author' };
  it('lets a second person decide', () => {
    expect(mayDecideReview({ requestedBy: 'author' }, need, 'supervisor')).toBe(true);
  });
  it('refuses whoever asked', () => {
    expect(mayDecideReview({ requestedBy: 'author' }, need, 'author')).toBe(false);
    expect(mayDecideReview({ requestedBy: 'colleague' }, need, 'colleague')).toBe(false);
  });
  it('refuses the need’s author even when a colleague asked', () => {
    expect(mayDecideReview({ requestedBy: 'colleague' }, need, 'author')).toBe(false);
  });
  it('decides on a need whose author is unknown (bulk-seeded) by the requester alone', () => {
    expect(mayDecideReview({ requestedBy: 'colleague' }, { createdBy: null }, 'supervisor')).toBe(true);
  });
});
