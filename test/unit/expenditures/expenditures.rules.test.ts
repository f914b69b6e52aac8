import { helpRecordsOutside } from '../../../server/expenditures/expenditures.rules';

describe('which help records a spending may name', () => {
  const places = new Map([
    ['h1', { projectId: 'p1' }],
    ['h2', { projectId: 'p1' }],
    ['h3', { projectId: 'p2' }],
  ]);

  it('accepts its own project’s help records', () => {
    expect(helpRecordsOutside('p1', ['h1', 'h2'], places)).toEqual([]);
  });

  it('refuses another project’s help records and unknown ones', () => {
    expect(helpRecordsOutside('p1', ['h1', 'h3', 'h9'], places)).toEqual(['h3', 'h9']);
  });

  it('lets general-fund spending name none', () => {
    expect(helpRecordsOutside(null, ['h1'], places)).toEqual(['h1']);
    expect(helpRecordsOutside(null, [], places)).toEqual([]);
  });
});
