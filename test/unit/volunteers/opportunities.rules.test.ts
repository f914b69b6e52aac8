import { closeness, rankRoles, type OpenRole, type VolunteerFit } from '../../../server/volunteers/opportunities.rules';
import { skillCodeOf } from '../../../server/volunteers/volunteers.rules';

const volunteer: VolunteerFit = { skills: ['tutoring', 'companionship'], tutoringSubjects: ['math'], regionCode: '520324', travelKm: 50, onlineOnly: false, qualified: new Map() };
const role = (over: Partial<OpenRole>): OpenRole => ({ roleId: 'r', organizationId: 'o1', roleKind: 'tutor', requiredSkills: [], regionCodes: ['520324'], slotsLeft: 2, ...over });

describe('closeness', () => {
  it('reads the division hierarchy: a project covering a city or province covers the county too', () => {
    expect(closeness('520324', ['520324'])).toBe('county');
    expect(closeness('520324', ['520324101'])).toBe('county');
    expect(closeness('520324', ['520300'])).toBe('county');
    expect(closeness('520324', ['520000'])).toBe('county');
    expect(closeness('520324', ['520325'])).toBe('city');
    expect(closeness('520324', ['520102'])).toBe('province');
    expect(closeness('520324', ['110101', '520325'])).toBe('city');
    expect(closeness('520324', ['110101'])).toBe('farther');
  });
});

describe('rankRoles', () => {
  it('reads required skills written in words as the codes they name', () => {
    expect(['math', '小学数学', '心理辅导', '课业辅导', '体育课', '篮球', '编织'].map(skillCodeOf)).toEqual(['math', 'math', 'psychological', 'tutoring', 'pe', 'sport', null]);
    const [r] = rankRoles(volunteer, [role({ requiredSkills: ['小学数学', '书法', '编织'] })]);
    expect(r.missing).toEqual([{ skill: 'arts', known: true }, { skill: '编织', known: false }]);
    expect(r.reasons).toContainEqual({ code: 'volunteers.fit.skills', params: { count: 2 } });
  });

  it('ranks matching skills, qualification and nearness first, and lists what is missing', () => {
    const ranked = rankRoles({ ...volunteer, qualified: new Map([['o2', ['companion']]]) }, [
      role({ roleId: 'far-tutor', regionCodes: ['520325'], requiredSkills: ['math'] }),
      role({ roleId: 'near-tutor-english', requiredSkills: ['english'] }),
      role({ roleId: 'qualified-companion', organizationId: 'o2', roleKind: 'companion' }),
    ]);
    expect(ranked.map((r) => r.roleId)).toEqual(['qualified-companion', 'far-tutor', 'near-tutor-english']);
    expect(ranked[2].missing).toEqual([{ skill: 'english', known: true }]);
    expect(ranked[0].reasons.map((r) => r.code)).toEqual(['volunteers.fit.county', 'volunteers.fit.skills', 'volunteers.fit.qualified']);
  });

  it('leaves out full roles, roles needing a core skill the volunteer lacks, and places beyond their travel', () => {
    const ranked = rankRoles(volunteer, [
      role({ roleId: 'full', slotsLeft: 0 }),
      role({ roleId: 'counselor', roleKind: 'counselor' }),
      role({ roleId: 'companion-far', roleKind: 'companion', regionCodes: ['520102'] }),
      role({ roleId: 'tutor-far', regionCodes: ['110101'] }),
      role({ roleId: 'trainer', roleKind: 'trainer' }),
    ]);
    // A tutor role out of reach can still be done over video (and matches a skill, so it ranks first); a companion cannot.
    expect(ranked.map((r) => [r.roleId, r.closeness])).toEqual([
      ['tutor-far', 'online'],
      ['trainer', 'county'],
    ]);
  });

  it('offers an online-only volunteer the roles that work over video, anywhere', () => {
    const ranked = rankRoles({ ...volunteer, onlineOnly: true, regionCode: null, skills: ['tutoring', 'psychological', 'companionship'] }, [
      role({ roleId: 'tutor', regionCodes: ['110101'] }),
      role({ roleId: 'counselor', roleKind: 'counselor' }),
      role({ roleId: 'companion', roleKind: 'companion' }),
    ]);
    expect(ranked.map((r) => r.roleId).sort()).toEqual(['counselor', 'tutor']);
  });
});
