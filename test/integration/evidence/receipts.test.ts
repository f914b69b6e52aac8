import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { auditEntries, donations, evidenceRedactions, expenditureEvidence, expenditures } from '../../../server/db/schema';
import { countPages, pageImage } from '../../../server/evidence/flatten';
import { Browser } from '../../support/app';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { getBytes as bytes, postMultipart, project, startMoneyApp } from '../../support/money';
import { pdfText } from '../../support/pdf-text';
import { PDF_ID_AT, PDF_NAME_AT, PDF_PAGE, RECEIPT_ID_NUMBER, RECEIPT_NAME, changedShare, pixels, receiptPdf, receiptPng } from '../../support/receipts';

// Rasterizing and encoding pages is real work; on a busy machine a flattening takes seconds.
jest.setTimeout(120_000);

let ctx: Awaited<ReturnType<typeof startMoneyApp>>;
let orgId: string;
let projectId: string;
const as = {} as Record<'finance' | 'finance2' | 'admin' | 'caseworker' | 'staff' | 'supervisor' | 'volunteer' | 'donor' | 'otherFinance' | 'anonymous', Browser>;
let pngOriginal: Buffer;
let pdfOriginal: Buffer;
let pngFileId: string;
let pdfFileId: string;
const projects: ReturnType<typeof project>[] = [];

/** The marking form's fields for boxes given in percent of the page. */
function boxForm(boxes: Array<{ page?: number; x: number; y: number; w: number; h: number; covers: string }>) {
  const form: Record<string, string> = {};
  boxes.forEach((b, i) => Object.assign(form, { [`boxes[${i}][page]`]: String(b.page ?? 1), [`boxes[${i}][x]`]: String(b.x), [`boxes[${i}][y]`]: String(b.y), [`boxes[${i}][w]`]: String(b.w), [`boxes[${i}][h]`]: String(b.h), [`boxes[${i}][covers]`]: b.covers }));
  return form;
}

const redactionOf = async (fileId: string) => ctx.database.db.select().from(evidenceRedactions).where(eq(evidenceRedactions.evidenceFileId, fileId));
const live = async (fileId: string) => (await redactionOf(fileId)).find((r) => r.status !== 'returned');
const url = (fileId: string, rest = '') => `/org/${orgId}/evidence/${fileId}${rest}`;

/** Boxes over the PDF's name and ID number, in percent of the page. */
const pct = (pt: number, of: number) => Math.round((pt / of) * 100_000) / 1000;
const PDF_BOXES = [
  { x: pct(PDF_NAME_AT.x - 6, PDF_PAGE.width), y: pct(PDF_NAME_AT.y - 6, PDF_PAGE.height), w: pct(220, PDF_PAGE.width), h: pct(PDF_NAME_AT.fontSize * 1.6 + 12, PDF_PAGE.height), covers: 'name' },
  { x: pct(PDF_ID_AT.x - 6, PDF_PAGE.width), y: pct(PDF_ID_AT.y - 6, PDF_PAGE.height), w: pct(340, PDF_PAGE.width), h: pct(PDF_ID_AT.fontSize * 1.6 + 12, PDF_PAGE.height), covers: 'id_number' },
];
const PNG_BOX = { x: 10, y: 70, w: 40, h: 10, covers: 'signature' };

beforeAll(async () => {
  ctx = await startMoneyApp({ projects });
  const db = ctx.database.db;
  const org = await makeOrg(db, { kind: 'charity', name: '春苗儿童关爱中心' });
  orgId = org.id;
  const p = project(orgId, { title: '山区助学计划' });
  projectId = p.id;
  projects.push(p);
  const other = await makeOrg(db, { kind: 'charity' });
  const users = {
    finance: await makeMember(db, orgId, ['finance']),
    finance2: await makeMember(db, orgId, ['finance']),
    admin: await makeMember(db, orgId, ['admin']),
    caseworker: await makeMember(db, orgId, ['caseworker']),
    staff: await makeMember(db, orgId, ['staff']),
    supervisor: await makeMember(db, orgId, ['supervisor']),
    volunteer: await makeUser(db, { isVolunteer: true }),
    donor: await makeUser(db, { isDonor: true }),
    otherFinance: await makeMember(db, other.id, ['finance']),
  };
  for (const [role, user] of Object.entries(users)) {
    const b = new Browser(ctx.app);
    await b.logIn(user.email, PASSWORD);
    as[role as keyof typeof users] = b;
  }
  as.anonymous = new Browser(ctx.app);

  pngOriginal = await receiptPng(400, 200);
  pdfOriginal = await receiptPdf();
  expect((await postMultipart(as.finance, `/org/${orgId}/gifts`, { projectId, giftAmount: '2,000', method: 'bank_transfer', receivedOn: '2026-03-01', receiptNumber: 'CM-2026-0101', displayName: '黄先生' }, [{ name: 'slip.png', data: pngOriginal }])).status).toBe(303);
  const recorded = await postMultipart(as.finance, `/org/${orgId}/expenditures`, { projectId, category: 'school_aid', spendingAmount: '600', spentOn: '2026-03-05', payeeType: 'school', spendingDescription: '春季学期助学金，6 名初中生' }, [
    { name: '签收单.png', data: pngOriginal },
    { name: `收据-${RECEIPT_NAME}.pdf`, data: pdfOriginal },
  ]);
  expect(recorded.status).toBe(303);
  const [spending] = await db.select().from(expenditures).where(eq(expenditures.organizationId, orgId));
  expect((await as.finance2.post(`/org/${orgId}/expenditures/${spending.id}/approve`, { password: PASSWORD })).status).toBe(303);
  const links = await db.select().from(expenditureEvidence).where(eq(expenditureEvidence.expenditureId, spending.id));
  const files = await ctx.services.evidence.describe(db, links.map((l) => l.evidenceFileId));
  pngFileId = files.find((f) => f.mimeType === 'image/png')!.id;
  pdfFileId = files.find((f) => f.mimeType === 'application/pdf')!.id;
});
afterAll(() => ctx.close());

describe('the original stays with the organization', () => {
  const privateUrls = () => [url(pdfFileId), url(pdfFileId, '/pages/1'), url(pdfFileId, '/redaction'), url(pngFileId), url(pngFileId, '/pages/1')];

  it.each(['caseworker', 'staff', 'supervisor', 'volunteer', 'donor', 'otherFinance', 'anonymous'] as const)('is refused to %s, at every private address', async (role) => {
    for (const u of privateUrls()) {
      const res = await as[role].get(u);
      const refused = res.status === 403 || res.status === 401 || (res.status === 303 && String(res.headers.location).startsWith('/login'));
      expect({ u, refused, leaked: res.text?.includes(RECEIPT_NAME) ?? false }).toEqual({ u, refused: true, leaked: false });
    }
  });

  it.each(['finance', 'admin'] as const)('is served to the organization %s: the file as uploaded, and its pages rendered for marking', async (role) => {
    const original = await bytes(as[role], url(pdfFileId));
    expect(original.status).toBe(200);
    expect((original.body as Buffer).equals(pdfOriginal)).toBe(true);
    expect(original.headers['cache-control']).toBe('private, no-store');
    const page = await bytes(as[role], url(pdfFileId, '/pages/1'));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('image/png');
    expect(page.headers['cache-control']).toBe('private, no-store');
    expect((await as[role].get(url(pdfFileId, '/pages/2'))).status).toBe(404);
    const workspace = await as[role].get(url(pdfFileId, '/redaction'));
    expect(workspace.status).toBe(200);
    expect(workspace.text).toContain('春季学期助学金，6 名初中生');
  });

  it('shows the public report each receipt as "being redacted" while none is confirmed, and links no original', async () => {
    const page = await as.anonymous.get(`/funds/projects/${projectId}`);
    expect(page.status).toBe(200);
    expect(page.text.match(/凭证遮盖中/g)).toHaveLength(2);
    expect(page.text).not.toContain('/receipts/');
    expect(page.text).not.toContain('/evidence/');
    expect(page.text).not.toContain(RECEIPT_NAME);
  });
});

describe('marking, flattening and four eyes on a PNG', () => {
  it('refuses a box outside the page with a message naming the row, and changes nothing', async () => {
    const res = await as.finance.post(url(pngFileId, '/redaction'), boxForm([PNG_BOX, { x: 90, y: 10, w: 20, h: 5, covers: 'name' }]));
    expect(res.status).toBe(422);
    expect(res.text).toContain('第 2 行：方框超出了页面');
    expect(await redactionOf(pngFileId)).toHaveLength(0);
  });

  it('lets only finance mark boxes', async () => {
    expect((await as.admin.post(url(pngFileId, '/redaction'), boxForm([PNG_BOX]))).status).toBe(403);
    expect(await redactionOf(pngFileId)).toHaveLength(0);
  });

  it('flattens the marked copy, which finance and admins can look at but the public cannot', async () => {
    const res = await as.finance.post(url(pngFileId, '/redaction'), boxForm([PNG_BOX]));
    expect(res.status).toBe(303);
    const r = (await live(pngFileId))!;
    expect(r).toMatchObject({ status: 'marked', publicId: null, copyMimeType: 'image/png', pageCount: 1 });
    expect(r.boxes).toEqual([{ page: 1, x: 0.1, y: 0.7, w: 0.4, h: 0.1, covers: 'signature' }]);
    const copy = await bytes(as.admin, url(pngFileId, '/redaction/copy'));
    expect(copy.status).toBe(200);
    expect(copy.headers['content-type']).toBe('image/png');
    const reviewPage = await bytes(as.finance2, url(pngFileId, '/redaction/copy/pages/1'));
    expect(reviewPage.status).toBe(200);
    expect((reviewPage.body as Buffer).equals(copy.body as Buffer)).toBe(true);
    for (const role of ['staff', 'donor', 'otherFinance', 'anonymous'] as const) {
      for (const u of [url(pngFileId, '/redaction/copy'), url(pngFileId, '/redaction/copy/pages/1')]) {
        const denied = await as[role].get(u);
        expect({ u, status: [401, 403, 303].includes(denied.status) }).toEqual({ u, status: true });
      }
    }
    const report = await as.anonymous.get(`/funds/projects/${projectId}`);
    expect(report.text.match(/凭证遮盖中/g)).toHaveLength(2);
  });

  it('refuses the one who marked it to confirm it, with a message, and changes nothing', async () => {
    const before = (await live(pngFileId))!;
    const page = await as.finance.get(url(pngFileId, '/redaction'));
    expect(page.text).toContain('须由另一位财务或管理员确认');
    const res = await as.finance.post(url(pngFileId, '/redaction/confirm'), { copySha256: before.copySha256 });
    expect(res.status).toBe(422);
    expect(res.text).toContain('标注遮盖的人不能确认它');
    expect(await live(pngFileId)).toEqual(before);
  });

  it('refuses a confirmation of a copy other than the current one (the marks changed since it was seen)', async () => {
    const before = (await live(pngFileId))!;
    const res = await as.finance2.post(url(pngFileId, '/redaction/confirm'), { copySha256: 'a'.repeat(64) });
    expect(res.status).toBe(422);
    expect(res.text).toContain('遮盖区域又被修改过');
    expect(await live(pngFileId)).toEqual(before);
  });

  it('goes public when a second person confirms it: inline, nosniff, its own type, the box black and the rest unchanged', async () => {
    const r = (await live(pngFileId))!;
    const res = await as.finance2.post(url(pngFileId, '/redaction/confirm'), { copySha256: r.copySha256 });
    expect(res.status).toBe(303);
    const confirmed = (await live(pngFileId))!;
    expect(confirmed.status).toBe('confirmed');
    expect(confirmed.publicId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const report = await as.anonymous.get(`/funds/projects/${projectId}`);
    expect(report.text).toContain(`/receipts/${confirmed.publicId}`);
    expect(report.text.match(/凭证遮盖中/g)).toHaveLength(1);
    const served = await bytes(as.anonymous, `/receipts/${confirmed.publicId}`);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['content-disposition']).toBe('inline; filename="receipt.png"');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    const copy = await pixels(served.body as Buffer);
    const original = await pixels(pngOriginal);
    expect(copy.at(100, 150)).toEqual([0, 0, 0, 255]);
    expect(copy.at(41, 141)).toEqual([0, 0, 0, 255]);
    expect(changedShare(original, copy, (fx, fy) => !(fx >= 0.1 && fx <= 0.5 && fy >= 0.7 && fy <= 0.8), 0, 3)).toBe(0);
    const audit = await ctx.database.db.select().from(auditEntries).where(eq(auditEntries.subjectId, pngFileId));
    expect(audit.map((a) => a.action).sort()).toEqual(['receipt.redaction.confirm', 'receipt.redaction.mark']);
  });

  it('refuses confirming twice and marking a confirmed receipt again; nothing changes', async () => {
    const before = (await live(pngFileId))!;
    const twice = await as.admin.post(url(pngFileId, '/redaction/confirm'), { copySha256: before.copySha256 });
    expect(twice.status).toBe(422);
    expect(twice.text).toContain('已经确认并公开');
    const again = await as.finance.post(url(pngFileId, '/redaction'), boxForm([{ x: 0, y: 0, w: 50, h: 50, covers: 'other' }]));
    expect(again.status).toBe(422);
    expect(await live(pngFileId)).toEqual(before);
  });

  it('answers not found for an address that names no confirmed copy', async () => {
    expect((await as.anonymous.get(`/receipts/${'B'.repeat(43)}`)).status).toBe(404);
    expect((await as.anonymous.get('/receipts/short')).status).toBe(404);
  });
});

describe('a PDF with a text layer', () => {
  it('is returned by a second person with a reason, then marked again', async () => {
    expect((await as.finance.post(url(pdfFileId, '/redaction'), boxForm(PDF_BOXES.slice(0, 1)))).status).toBe(303);
    const self = await as.finance.post(url(pdfFileId, '/redaction/return'), { reason: '自己退回' });
    expect(self.status).toBe(422);
    expect((await as.admin.post(url(pdfFileId, '/redaction/return'), { reason: '身份证号没有遮住' })).status).toBe(303);
    const [returned] = await redactionOf(pdfFileId);
    expect(returned).toMatchObject({ status: 'returned', returnReason: '身份证号没有遮住', publicId: null });
    const page = await as.finance.get(url(pdfFileId, '/redaction'));
    expect(page.text).toContain('身份证号没有遮住');
    expect((await as.finance.post(url(pdfFileId, '/redaction'), boxForm(PDF_BOXES))).status).toBe(303);
    expect(await live(pdfFileId)).toMatchObject({ status: 'marked', copyMimeType: 'application/pdf' });
    // The reviewer sees the copy page by page, as the public will.
    const review = await bytes(as.admin, url(pdfFileId, '/redaction/copy/pages/1'));
    expect(review.status).toBe(200);
    expect(review.headers['content-type']).toBe('image/png');
    const shown = await pixels(review.body as Buffer);
    const [nameBox] = PDF_BOXES;
    const p = shown.at(((nameBox.x + nameBox.w / 2) / 100) * shown.width, ((nameBox.y + nameBox.h / 2) / 100) * shown.height);
    expect(Math.max(p[0], p[1], p[2])).toBeLessThanOrEqual(8);
    expect((await as.admin.get(url(pdfFileId, '/redaction/copy/pages/2'))).status).toBe(404);
    const workspace = await as.admin.get(url(pdfFileId, '/redaction'));
    expect(workspace.text).toContain(url(pdfFileId, '/redaction/copy/pages/1'));
    expect(workspace.text).toContain('确认无误并公开');
  });

  it('is neither confirmed nor marked again when the original bytes changed after marking; nothing changes', async () => {
    const r = (await live(pdfFileId))!;
    const stored = path.join(ctx.dataDir, 'evidence', r.originalSha256.slice(0, 2), r.originalSha256);
    const kept = fs.readFileSync(stored);
    fs.writeFileSync(stored, Buffer.concat([kept, Buffer.from('\n% appended\n')]));
    try {
      const res = await as.admin.post(url(pdfFileId, '/redaction/confirm'), { copySha256: r.copySha256 });
      expect(res.status).toBe(422);
      expect(res.text).toContain('原件与标注时不一致');
      const remark = await as.finance.post(url(pdfFileId, '/redaction'), boxForm(PDF_BOXES));
      expect(remark.status).toBe(422);
      expect(remark.text).toContain('可能已损坏');
      expect(await live(pdfFileId)).toEqual(r);
    } finally {
      fs.writeFileSync(stored, kept);
    }
  });

  it('is served, once confirmed, as an image-only PDF: no text to extract, the name and ID number blacked out', async () => {
    const r = (await live(pdfFileId))!;
    expect((await as.admin.post(url(pdfFileId, '/redaction/confirm'), { copySha256: r.copySha256 })).status).toBe(303);
    const { publicId } = (await live(pdfFileId))!;
    const served = await bytes(as.anonymous, `/receipts/${publicId}`);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('application/pdf');
    expect(served.headers['content-disposition']).toBe('inline; filename="receipt.pdf"');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    const pdf = served.body as Buffer;
    expect(pdfText(pdfOriginal).text).toContain(RECEIPT_ID_NUMBER);
    const { text, fonts } = pdfText(pdf);
    expect(text.trim()).toBe('');
    expect(fonts).toEqual([]);
    expect(pdf.toString('latin1')).not.toMatch(/\/Font\b|\/ToUnicode/);
    expect(await countPages(pdf, 'application/pdf')).toBe(1);
    const page = await pixels(await pageImage(pdf, 'application/pdf', 1));
    for (const b of PDF_BOXES) {
      const p = page.at(((b.x + b.w / 2) / 100) * page.width, ((b.y + b.h / 2) / 100) * page.height);
      expect(Math.max(p[0], p[1], p[2])).toBeLessThanOrEqual(8);
    }
    // The original stays at its private address only.
    expect((await as.anonymous.get(url(pdfFileId))).status).not.toBe(200);
    const report = await as.anonymous.get(`/funds/organizations/${orgId}`);
    expect(report.text).toContain(`/receipts/${publicId}`);
    expect(report.text).not.toContain('凭证遮盖中');
  });
});

describe('limits', () => {
  it('refuses to redact a PDF with more pages than the limit, saying so, and stores nothing', async () => {
    const long = await receiptPdf(11);
    expect((await postMultipart(as.finance, `/org/${orgId}/expenditures`, { projectId, category: 'goods', spendingAmount: '10', spentOn: '2026-03-06', payeeType: 'supplier', spendingDescription: '学习用品一批（长收据）' }, [{ name: 'long.pdf', data: long }])).status).toBe(303);
    const [file] = await ctx.database.db.select().from(expenditureEvidence).innerJoin(expenditures, eq(expenditures.id, expenditureEvidence.expenditureId)).where(eq(expenditures.description, '学习用品一批（长收据）'));
    const fileId = file.expenditure_evidence.evidenceFileId;
    const page = await as.finance.get(url(fileId, '/redaction'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('这个文件有 11 页，一次最多只能遮盖 10 页');
    expect((await as.finance.get(url(fileId, '/pages/11'))).status).toBe(404);
    const res = await as.finance.post(url(fileId, '/redaction'), boxForm([PNG_BOX]));
    expect(res.status).toBe(422);
    expect(res.text).toContain('一次最多只能遮盖 10 页');
    expect(await redactionOf(fileId)).toHaveLength(0);
  });

  it('does not redact evidence that backs no spending (a gift bank slip): it is not found', async () => {
    const [gift] = await ctx.database.db.select().from(donations).where(eq(donations.receiptNumber, 'CM-2026-0101'));
    expect(gift.evidenceFileId).toBeTruthy();
    expect((await as.finance.get(url(gift.evidenceFileId!, '/redaction'))).status).toBe(404);
    expect((await as.finance.post(url(gift.evidenceFileId!, '/redaction'), boxForm([PNG_BOX]))).status).toBe(404);
    expect(await redactionOf(gift.evidenceFileId!)).toHaveLength(0);
  });
});
