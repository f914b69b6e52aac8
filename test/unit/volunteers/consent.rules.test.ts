import { NEED_KINDS } from '../../../server/needs/needs.rules';
import { consentInForce, consentProblems, CONTACT_NEED_KINDS, involvesContact, withdrawalProblems } from '../../../server/volunteers/consent.rules';

describe('which help meets the child', () => {
  it('asks consent for tutoring, psychological support, companionship and the other kinds where someone meets or talks with the child', () => {
    for (const kind of ['tutoring', 'psychological', 'companionship', 'medical', 'skills', 'social', 'safety', 'legal']) expect({ kind, contact: involvesContact(kind) }).toEqual({ kind, contact: true });
  });

  it('asks none for living support and school aid, which go to the family as money and goods', () => {
    expect(involvesContact('living')).toBe(false);
    expect(involvesContact('education')).toBe(false);
  });

  it('names only kinds of need that exist', () => {
    expect(CONTACT_NEED_KINDS.filter((k) => !(NEED_KINDS as readonly string[]).includes(k))).toEqual([]);
  });
});

describe('a consent in force', () => {
  it('holds from the day given until withdrawn', () => {
    expect(consentInForce({ consentedOn: '2026-05-30', withdrawnOn: null }, '2026-05-30')).toBe(true);
    expect(consentInForce({ consentedOn: '2026-05-30', withdrawnOn: null }, '2027-05-30')).toBe(true);
    expect(consentInForce({ consentedOn: '2026-05-30', withdrawnOn: '2026-07-09' }, '2026-07-09')).toBe(false);
    expect(consentInForce({ consentedOn: '2026-06-02', withdrawnOn: null }, '2026-06-01')).toBe(false);
  });
});

describe('recording consent', () => {
  it('accepts verbal consent without a file, and a signed form with one', () => {
    expect(consentProblems({ consentedOn: '2026-06-01', method: 'verbal', hasForm: false }, '2026-06-01')).toEqual([]);
    expect(consentProblems({ consentedOn: '2026-05-01', method: 'form', hasForm: true }, '2026-06-01')).toEqual([]);
  });

  it('refuses a day in the future, and a signed form that was not uploaded', () => {
    expect(consentProblems({ consentedOn: '2026-06-02', method: 'verbal', hasForm: false }, '2026-06-01')).toEqual([{ field: 'consentedOn', code: 'volunteers.date.future' }]);
    expect(consentProblems({ consentedOn: '2026-06-01', method: 'form', hasForm: false }, '2026-06-01')).toEqual([{ field: 'consentForm', code: 'volunteers.consent.form_required' }]);
  });
});

describe('withdrawing consent', () => {
  const given = { consentedOn: '2026-05-30', withdrawnOn: null };
  it('accepts a withdrawal from the day of consent up to today', () => {
    expect(withdrawalProblems(given, '2026-05-30', '2026-07-09')).toEqual([]);
    expect(withdrawalProblems(given, '2026-07-09', '2026-07-09')).toEqual([]);
  });

  it('refuses one in the future, one before the consent, and a second withdrawal', () => {
    expect(withdrawalProblems(given, '2026-07-10', '2026-07-09')).toEqual([{ field: 'withdrawnOn', code: 'volunteers.date.future' }]);
    expect(withdrawalProblems(given, '2026-05-29', '2026-07-09')).toEqual([{ field: 'withdrawnOn', code: 'volunteers.consent.withdrawn_before_given' }]);
    expect(withdrawalProblems({ ...given, withdrawnOn: '2026-06-01' }, '2026-07-09', '2026-07-09')).toEqual([{ field: 'withdrawnOn', code: 'volunteers.consent.already_withdrawn' }]);
  });
});
