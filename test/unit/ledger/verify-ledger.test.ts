import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type SealedEntry, chainHash, exportLine, sealEntry } from '../../../server/ledger/ledger.rules';
import { chain, exportText, sampleLedger } from './ledger-factory';

const ROOT = path.join(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/verify-ledger.ts');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

// Each case starts a process through tsx; a busy machine can make that slow, never wrong.
jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-ledger-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
/** Writes `text` to a fresh file and runs the verifier on it the way an outsider would. */
function verify(text: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const file = path.join(dir, `ledger-${++fileNo}.jsonl`);
  fs.writeFileSync(file, text);
  const run = spawnSync(TSX, [SCRIPT, file, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function verifyJson(text: string, ...args: string[]) {
  const run = verify(text, '--json', ...args);
  return { status: run.status, result: JSON.parse(run.stdout) as { ok: boolean; count: number; head: string; problems: Array<{ sequence: number | null; code: string; problem: string; line?: number }>; totals: Record<string, unknown> | null; balances: Record<string, number> | null } };
}

const copy = (entries: SealedEntry[]) => JSON.parse(JSON.stringify(entries)) as SealedEntry[];
const sample = sampleLedger();
const entries = chain(sample.txs);
const head = entries[entries.length - 1].hash;

describe('scripts/verify-ledger.ts', () => {
  it('passes a valid ledger and prints its totals and balances', () => {
    const run = verify(exportText(entries));
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('VALID');
    expect(run.stdout).toContain(`chain head: ${head}`);
    expect(run.stdout).toMatch(/donations received\s+1,700\.00/);
    expect(run.stdout).toMatch(/refunded to donors\s+100\.00/);
    expect(run.stdout).toMatch(/payment fees\s+18\.00/);
    expect(run.stdout).toMatch(/spent: 物资 goods\s+300\.00/);
    expect(run.stdout).toMatch(/spent: 助学金 school aid\s+450\.00/);
    expect(run.stdout).toMatch(/org:org-a:project:proj-1:restricted\s+602\.00/);
    expect(run.stdout).toContain('trial balance difference: 0.00');
  });

  it('gives the same figures to the fen as JSON', () => {
    const { status, result } = verifyJson(exportText(entries), '--expect-head', head);
    expect(status).toBe(0);
    const t = sample.totals;
    expect(result).toMatchObject({ ok: true, count: 12, head, problems: [] });
    expect(result.totals).toMatchObject({ donationsFen: t.donations, refundsFen: t.refunds, disputesFen: t.disputes, feesFen: t.fees, heldFen: t.held, spentFen: t.goods + t.school_aid + t.administration });
    expect(Object.values(result.balances!).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('fails a changed amount, naming the sequence', () => {
    const tampered = copy(entries);
    tampered[3].postings[0].amountFen -= 10_000;
    tampered[3].postings[1].amountFen += 10_000;
    const run = verify(exportText(tampered));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('INVALID');
    expect(run.stdout).toContain('sequence 4: The hash does not match');
    expect(run.stdout).not.toContain('donations received');
  });

  it('fails an edited memo, naming the sequence', () => {
    const tampered = copy(entries);
    tampered[4].memo = '购买冬衣';
    const { status, result } = verifyJson(exportText(tampered));
    expect(status).toBe(1);
    expect(result.problems.map((p) => [p.sequence, p.code])).toEqual([[5, 'hash_mismatch']]);
    expect(result.totals).toBeNull();
  });

  it('fails a deleted entry, naming where the gap is', () => {
    const run = verify(exportText(entries.filter((e) => e.sequence !== 6), { head }));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('sequence 7: Expected sequence 6, found 7');
    expect(run.stdout).toContain('sequence 7: prevHash does not match');
  });

  it('fails swapped entries, naming them', () => {
    const swapped = [...entries];
    [swapped[7], swapped[8]] = [swapped[8], swapped[7]];
    const { status, result } = verifyJson(exportText(swapped, { head }));
    expect(status).toBe(1);
    expect(result.problems[0]).toMatchObject({ sequence: 9, code: 'sequence_out_of_order' });
    expect(result.problems.map((p) => p.sequence)).toEqual(expect.arrayContaining([8, 9]));
  });

  it('fails a removed last entry through the header, and a re-forged chain through the published head', () => {
    const truncated = verifyJson(exportText(entries.slice(0, -1), { head }));
    expect(truncated.status).toBe(1);
    expect(truncated.result.problems.map((p) => [p.sequence, p.code])).toEqual([[11, 'header_head_mismatch']]);

    // A forger who changes an amount and re-seals everything after it, header included, passes
    // every check that is inside the file; only the head CareBridge published catches it.
    const forged: SealedEntry[] = [];
    entries.forEach((e, i) => {
      const tx = i === 3 ? { ...e, postings: e.postings.map((p) => ({ ...p, amountFen: Math.sign(p.amountFen) * 20_000 })) } : e;
      forged.push(sealEntry(i === 0 ? e.prevHash : forged[i - 1].hash, e.sequence, tx));
    });
    expect(verify(exportText(forged)).status).toBe(0);
    const caught = verify(exportText(forged), '--expect-head', head);
    expect(caught.status).toBe(1);
    expect(caught.stdout).toContain(`not the expected (published) head ${head}`);
  });

  it('fails an unbalanced entry even when its hash was recomputed', () => {
    const tampered = copy(entries);
    tampered[0].postings[0].amountFen += 1;
    tampered[0].hash = chainHash(tampered[0].prevHash, tampered[0]);
    const { status, result } = verifyJson(exportText(tampered));
    expect(status).toBe(1);
    expect(result.problems.map((p) => [p.sequence, p.code])).toEqual([
      [1, 'unbalanced'],
      [2, 'prev_hash_mismatch'],
    ]);
  });

  it('refuses fields outside the hash and lines that are not JSON', () => {
    const lines = exportText(entries).trimEnd().split('\n');
    const withDonor = { ...JSON.parse(lines[2]), donorName: '张三' };
    lines[2] = JSON.stringify(withDonor);
    lines[5] = '{"sequence": 5,';
    const { status, result } = verifyJson(`${lines.join('\n')}\n`);
    expect(status).toBe(1);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sequence: 2, code: 'unexpected_field', line: 3 }),
        expect.objectContaining({ code: 'bad_json', line: 6 }),
      ]),
    );
  });

  it('reads a JSON document as well as JSON Lines, and an empty ledger', () => {
    const doc = { format: 'carebridge-ledger', version: 1, head, exportedAt: '2026-03-01T00:00:00.000Z', entries: entries.map((e) => JSON.parse(exportLine(e))) };
    expect(verifyJson(JSON.stringify(doc, null, 2)).result).toMatchObject({ ok: true, count: 12, head });
    expect(verifyJson(JSON.stringify(doc.entries)).result).toMatchObject({ ok: true, count: 12 });
    const empty = verifyJson(exportText([]));
    expect(empty).toMatchObject({ status: 0, result: { ok: true, count: 0 } });
  });

  it('refuses an unknown format version and a missing file', () => {
    const lines = exportText(entries).split('\n');
    lines[0] = lines[0].replace('"version":1', '"version":2');
    const { status, result } = verifyJson(lines.join('\n'));
    expect(status).toBe(1);
    expect(result.problems[0]).toMatchObject({ code: 'bad_header' });
    const missing = spawnSync(TSX, [SCRIPT, path.join(dir, 'nope.jsonl')], { cwd: ROOT, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });

  it('imports nothing but Node built-ins and the ledger rules', () => {
    const source = fs.readFileSync(SCRIPT, 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.filter((i) => !i.startsWith('node:') && i !== '../server/ledger/ledger.rules')).toEqual([]);
    const rules = fs.readFileSync(path.join(ROOT, 'server/ledger/ledger.rules.ts'), 'utf8');
    expect([...rules.matchAll(/from '([^']+)'/g)].map((m) => m[1])).toEqual(['node:crypto']);
  });
});
