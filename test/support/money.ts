import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../server/config';
import { chinaDate } from '../../server/children/id-number.rules';
import { addDays, addMonths } from '../../server/lib/days';
import { staticProjectDirectory, type FundedProject } from '../../server/funds/project-directory';
import { startTestApp, type Browser, type TestContext } from './app';

/**
 * A test project of `organizationId` (projects are another area's; the money side reads them through its directory).
 * By default it started a month ago (China calendar) and runs eleven more months: inside its first quarter, it owes no
 * disclosure yet, so it is not locked out of gifts whatever day the tests run.
 */
export function project(organizationId: string, over: Partial<FundedProject> = {}): FundedProject {
  const today = chinaDate(new Date());
  return { id: crypto.randomUUID(), organizationId, title: '春苗助学计划', fundingGoalFen: 5_000_000, startOn: addDays(today, -30), endOn: addMonths(today, 11), status: 'open', ...over };
}

/** The app with a fixed set of projects and its own data directory (evidence files land there). */
export async function startMoneyApp(opts: { projects: FundedProject[]; config?: Partial<Config>; now?: () => Date }): Promise<TestContext & { dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carebridge-money-'));
  const list = opts.projects;
  const ctx = await startTestApp({ config: { dataDir, ...opts.config }, now: opts.now, projectDirectory: staticProjectDirectory(list) });
  return {
    ...ctx,
    dataDir,
    close: async () => {
      await ctx.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The smallest valid PNG (1×1), and a PDF header: evidence the sniffer accepts. */
export const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6300010000050001' + '0d0a2db40000000049454e44ae426082', 'hex');
export const PDF_BYTES = Buffer.from('%PDF-1.4\n% receipt\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** Posts a multipart form as a browser does (with the CSRF token from the page at `url`), files in the `evidence` field; a list is a field sent once per value (checkboxes). */
export async function postMultipart(b: Browser, url: string, fields: Record<string, string | string[]>, files: Array<{ name: string; data: Buffer }>) {
  const page = await b.get(url);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  let req = b.agent.post(url).field('_csrf', token);
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) req = req.field(k, one);
  for (const f of files) req = req.attach('evidence', f.data, f.name);
  return req;
}

/** GETs `url` and keeps the body as bytes, whatever its type (PDFs, images). */
export function getBytes(b: Browser, url: string) {
  return b.agent
    .get(url)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
}
