import { REDACTION_LIMITS, boxProblem, boxesFromRows, confirmProblem, formRows, mayReview, pageInRange, pixelRect, type BoxRow, type RedactionBox } from '../../../server/evidence/redaction.rules';

const box = (over: Partial<RedactionBox> = {}): RedactionBox => ({ page: 1, x: 0.1, y: 0.2, w: 0.3, h: 0.05, covers: 'name', ...over });
const row = (over: Partial<BoxRow> = {}): BoxRow => ({ page: '1', x: '10', y: '20', w: '30', h: '5', covers: 'id_number', ...over });

describe('a marked box', () => {
  it('is taken when it lies on an existing page, inside it, big enough, and says what it hides', () => {
    expect(boxProblem(box(), 1)).toBeNull();
    expect(boxProblem(box({ x: 0, y: 0, w: 1, h: 1 }), 1)).toBeNull();
  });
  it('is refused on a page the file does not have', () => {
    expect(boxProblem(box({ page: 3 }), 2)).toBe('page');
    expect(boxProblem(box({ page: 0 }), 2)).toBe('page');
    expect(boxProblem(box({ page: 1.5 }), 2)).toBe('page');
  });
  it('is refused when it leaves the page, is a speck, is not a number or hides nothing named', () => {
    expect(boxProblem(box({ x: 0.8, w: 0.3 }), 1)).toBe('outside');
    expect(boxProblem(box({ y: -0.1 }), 1)).toBe('outside');
    expect(boxProblem(box({ w: REDACTION_LIMITS.minSide / 2 }), 1)).toBe('too_small');
    expect(boxProblem(box({ h: Number.NaN }), 1)).toBe('number');
    expect(boxProblem(box({ covers: 'face' as never }), 1)).toBe('covers');
  });
});

describe('form rows to boxes', () => {
  it('reads percentages as fractions and leaves empty rows out', () => {
    const parsed = boxesFromRows([row(), row({ x: '', y: '', w: '', h: '' }), row({ page: '2', x: '50,5', covers: 'phone' })], 2);
    expect(parsed).toEqual({ ok: true, boxes: [box({ covers: 'id_number' }), box({ page: 2, x: 0.505, covers: 'phone' })] });
  });
  it('names the first bad row and why', () => {
    expect(boxesFromRows([row(), row({ w: 'abc' })], 1)).toEqual({ ok: false, row: 2, problem: 'number' });
    expect(boxesFromRows([row({ page: '4' })], 3)).toEqual({ ok: false, row: 1, problem: 'page' });
    expect(boxesFromRows([row({ x: '90', w: '20' })], 1)).toEqual({ ok: false, row: 1, problem: 'outside' });
  });
  it('refuses more boxes than the limit', () => {
    const many = Array.from({ length: REDACTION_LIMITS.maxBoxes + 1 }, () => row());
    expect(boxesFromRows(many, 1)).toMatchObject({ ok: false, problem: 'too_many' });
  });
  it('gives the form back the boxes as percentages, then blank rows, numbered from 1', () => {
    const rows = formRows([box({ x: 0.12345 })], 2);
    expect(rows).toEqual([
      { n: 1, page: '1', x: '12.345', y: '20', w: '30', h: '5', covers: 'name' },
      { n: 2, page: '1', x: '', y: '', w: '', h: '', covers: 'name' },
      { n: 3, page: '1', x: '', y: '', w: '', h: '', covers: 'name' },
    ]);
    const again = boxesFromRows(rows, 1);
    expect(again.ok && again.boxes[0].x).toBeCloseTo(0.12345, 9);
  });
});

describe('boxes in pixels', () => {
  it('round outward, so the painted area never covers less than was marked', () => {
    expect(pixelRect({ x: 0.101, y: 0.2, w: 0.3, h: 0.051 }, 1000, 100)).toEqual({ left: 101, top: 20, width: 300, height: 6 });
    expect(pixelRect({ x: 0.1005, y: 0, w: 0.001, h: 1 }, 1000, 10)).toEqual({ left: 100, top: 0, width: 2, height: 10 });
  });
  it('stay on the page', () => {
    expect(pixelRect({ x: 0.9, y: 0.9, w: 0.1000001, h: 0.1000001 }, 100, 100)).toEqual({ left: 90, top: 90, width: 10, height: 10 });
  });
});

describe('four eyes', () => {
  const marked = { status: 'marked' as const, markedBy: 'u1', copySha256: 'c'.repeat(64), originalSha256: 'o'.repeat(64) };
  const reviewer = { userId: 'u2', sawCopySha256: 'c'.repeat(64), originalSha256Now: 'o'.repeat(64) };
  it('lets a second person confirm the copy they saw over the original as marked', () => {
    expect(mayReview(marked, 'u2')).toBe(true);
    expect(confirmProblem(marked, reviewer)).toBeNull();
  });
  it('refuses the one who marked it, a second confirmation, a returned one, a copy changed since seen, and a changed original', () => {
    expect(mayReview(marked, 'u1')).toBe(false);
    expect(confirmProblem(marked, { ...reviewer, userId: 'u1' })).toBe('redactions.four_eyes');
    expect(confirmProblem({ ...marked, status: 'confirmed' }, reviewer)).toBe('redactions.already_confirmed');
    expect(confirmProblem({ ...marked, status: 'returned' }, reviewer)).toBe('redactions.not_marked');
    expect(confirmProblem(marked, { ...reviewer, sawCopySha256: 'd'.repeat(64) })).toBe('redactions.copy_changed');
    expect(confirmProblem(marked, { ...reviewer, originalSha256Now: 'x'.repeat(64) })).toBe('redactions.original_changed');
  });
});

it('shows pages for marking only within the file and the page limit', () => {
  expect(pageInRange(1, 1)).toBe(true);
  expect(pageInRange(2, 1)).toBe(false);
  expect(pageInRange(REDACTION_LIMITS.maxPages + 1, REDACTION_LIMITS.maxPages + 5)).toBe(false);
  expect(pageInRange(0, 3)).toBe(false);
});
