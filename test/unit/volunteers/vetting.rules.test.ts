import { backgroundCheckExpiry, vettingInputProblems, vettingState, type VettingFacts } from '../../../server/volunteers/volunteers.rules';

const vetted: VettingFacts = {
  identityVerifiedOn: '2026-01-10',
  backgroundCheckOn: '2026-01-05',
  backgroundCheckExpiresOn: '2027-01-05',
  trainings: [{ course: '儿童保护基础培训', completedOn: '2026-01-20' }],
  qualifiedRoles: ['tutor', 'companion'],
};

describe('vettingState', () => {
  it('is vetted with identity verified, a valid check, a training and (when asked) the role', () => {
    expect(vettingState(vetted, '2026-06-01')).toEqual({ vetted: true, problems: [], expiresOn: '2027-01-05', expiringSoon: false });
    expect(vettingState(vetted, '2026-06-01', 'tutor').vetted).toBe(true);
  });

  it('lists every missing step of a volunteer who only joined', () => {
    expect(vettingState({ identityVerifiedOn: null, backgroundCheckOn: null, backgroundCheckExpiresOn: null, trainings: [], qualifiedRoles: [] }, '2026-06-01', 'tutor').problems).toEqual([
      'identity_not_verified',
      'no_background_check',
      'no_training',
      'not_qualified_for_role',
    ]);
    expect(vettingState(null, '2026-06-01').vetted).toBe(false);
  });

  it('counts a check on its last day and refuses it the day after', () => {
    expect(vettingState(vetted, '2027-01-05').vetted).toBe(true);
    expect(vettingState(vetted, '2027-01-06')).toMatchObject({ vetted: false, problems: ['background_check_expired'] });
  });

  it('warns 30 days before the check expires', () => {
    expect(vettingState(vetted, '2026-12-05').expiringSoon).toBe(false);
    expect(vettingState(vetted, '2026-12-06').expiringSoon).toBe(true);
    expect(vettingState(vetted, '2027-01-06').expiringSoon).toBe(false);
  });

  it('refuses a role the organization has not qualified the volunteer for', () => {
    expect(vettingState(vetted, '2026-06-01', 'counselor')).toMatchObject({ vetted: false, problems: ['not_qualified_for_role'] });
  });

  it('takes a check without a stated expiry to be valid for 12 months, clamped to the month', () => {
    expect(backgroundCheckExpiry('2026-03-01', null)).toBe('2027-03-01');
    expect(backgroundCheckExpiry('2024-02-29', null)).toBe('2025-02-28');
    expect(backgroundCheckExpiry('2026-03-01', '2026-09-01')).toBe('2026-09-01');
    expect(vettingState({ ...vetted, backgroundCheckExpiresOn: null }, '2027-01-05').vetted).toBe(true);
    expect(vettingState({ ...vetted, backgroundCheckExpiresOn: null }, '2027-01-06').vetted).toBe(false);
  });
});

describe('vettingInputProblems', () => {
  it('refuses future dates, an expiry without a check and an expiry not after the check', () => {
    expect(vettingInputProblems(vetted, '2026-06-01')).toEqual([]);
    expect(vettingInputProblems({ ...vetted, identityVerifiedOn: '2026-06-02', trainings: [{ course: '培训', completedOn: '2026-07-01' }] }, '2026-06-01').map((p) => p.field)).toEqual(['identityVerifiedOn', 'trainings']);
    expect(vettingInputProblems({ ...vetted, backgroundCheckOn: null }, '2026-06-01')).toEqual([{ field: 'backgroundCheckOn', code: 'volunteers.vetting.expiry_without_check' }]);
    expect(vettingInputProblems({ ...vetted, backgroundCheckExpiresOn: '2026-01-05' }, '2026-06-01')).toEqual([{ field: 'backgroundCheckExpiresOn', code: 'volunteers.vetting.expiry_before_check' }]);
  });
});
