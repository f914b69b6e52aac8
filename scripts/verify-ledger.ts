/**
 * Verifies an exported CareBridge ledger with no access to the server:
 *
 *   npx tsx scripts/verify-ledger.ts <export.jsonl|export.json> [--expect-head <hash>] [--json]
 *
 * Checks the hash chain (any edited, removed, inserted or reordered entry), every transaction's
 * rules (balanced, integer fen, account grammar, well-formed reversals), the header's head and,
 * with --expect-head, the chain head CareBridge shows publicly — the only check a forger who
 * re-hashed the whole file cannot pass. Prints totals and balances per account.
 * Exit code: 0 valid, 1 invalid (first problems listed), 2 the file could not be read.
 *
 * Imports only Node built-ins and the ledger rules, so the rules file and this one are all an
 * outsider needs. Formats are in server/ledger/CONTEXT.md.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import {
  EXPENSE_CATEGORIES,
  GENESIS_HASH,
  type ChainProblem,
  type ExportHeader,
  type LedgerProblem,
  type SealedEntry,
  LedgerSummary,
  LedgerVerifier,
  looksLikeHeader,
  normalBalance,
  parseAccountName,
  parseExportHeader,
  parseSealedEntry,
  problem,
  trialBalance,
} from '../server/ledger/ledger.rules';

const MAX_PROBLEMS_SHOWN = 20;

interface Options {
  file: string;
  expectHead: string | null;
  json: boolean;
}

interface Loaded {
  header: ExportHeader | null;
  /** Problems found while reading, with the line (JSON Lines) or index (JSON array) they sit on. */
  problems: Array<ChainProblem & { line?: number }>;
}

/** Receives each entry as it is read, so the export is never held in memory whole. */
type OnEntry = (entry: SealedEntry) => void;

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npx tsx scripts/verify-ledger.ts <export.jsonl|export.json> [--expect-head <hash>] [--json]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  let file: string | null = null;
  let expectHead: string | null = null;
  let json = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--expect-head') {
      expectHead = argv[++i] ?? usage('--expect-head needs a hash');
      if (!/^[0-9a-f]{64}$/.test(expectHead)) usage('--expect-head must be 64 lowercase hex digits');
    } else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else if (file === null) file = arg;
    else usage('only one file can be verified at a time');
  }
  if (file === null) usage('no file given');
  return { file, expectHead, json };
}

function fromLine(line: number | undefined, p: LedgerProblem, sequence: number | null = null): ChainProblem & { line?: number } {
  return { sequence, code: p.code, params: p.params, problem: p.message, ...(line !== undefined ? { line } : {}) };
}

function sequenceOf(value: unknown): number | null {
  const s = typeof value === 'object' && value !== null ? (value as { sequence?: unknown }).sequence : undefined;
  return typeof s === 'number' && Number.isSafeInteger(s) ? s : null;
}

function addEntry(out: Loaded, value: unknown, line: number, onEntry: OnEntry): void {
  const parsed = parseSealedEntry(value);
  if (parsed.ok) onEntry(parsed.entry);
  // A malformed entry is left out of the chain: the entry after it then reports the gap too.
  else for (const p of parsed.problems) out.problems.push(fromLine(line, p, sequenceOf(value)));
}

/** A whole-document export: an array of entries, or an object with the header fields plus `entries`. */
function loadDocument(text: string, onEntry: OnEntry): Loaded {
  const out: Loaded = { header: null, problems: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    out.problems.push(fromLine(1, problem('bad_json', { line: 1 })));
    return out;
  }
  let list: unknown = doc;
  if (typeof doc !== 'object' || doc === null) {
    out.problems.push(fromLine(undefined, problem('bad_header', { detail: 'the file is neither JSON Lines nor a JSON object or array' })));
    return out;
  }
  if (!Array.isArray(doc)) {
    const { entries, ...rest } = doc as Record<string, unknown>;
    const header = parseExportHeader(rest);
    if (header.ok) out.header = header.header;
    else out.problems.push(...header.problems.map((p) => fromLine(undefined, p)));
    list = entries;
  }
  if (!Array.isArray(list)) {
    out.problems.push(fromLine(undefined, problem('bad_header', { detail: 'no "entries" array' })));
    return out;
  }
  list.forEach((value, i) => addEntry(out, value, i + 1, onEntry));
  return out;
}

/** JSON Lines, streamed so that an export of a million entries never sits in memory as one string. */
async function load(file: string, onEntry: OnEntry): Promise<Loaded> {
  const out: Loaded = { header: null, problems: [] };
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let firstContent = true;
  for await (const raw of lines) {
    lineNo += 1;
    const text = (lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (firstContent) {
        // Not one value per line: a pretty-printed JSON document.
        lines.close();
        return loadDocument(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), onEntry);
      }
      out.problems.push(fromLine(lineNo, problem('bad_json', { line: lineNo })));
      continue;
    }
    if (firstContent && (Array.isArray(value) || (looksLikeHeader(value) && 'entries' in (value as object)))) {
      lines.close();
      return loadDocument(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), onEntry);
    }
    if (looksLikeHeader(value)) {
      if (!firstContent) out.problems.push(fromLine(lineNo, problem('misplaced_header', { line: lineNo })));
      else {
        const header = parseExportHeader(value);
        if (header.ok) out.header = header.header;
        else out.problems.push(...header.problems.map((p) => fromLine(lineNo, p)));
      }
    } else addEntry(out, value, lineNo, onEntry);
    firstContent = false;
  }
  return out;
}

/** Yuan with two decimals and grouping; written here because this script may not import server/lib. */
function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** Columns as a terminal shows them: CJK characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return width;
}

function table(rows: string[][], rightAligned: number[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => displayWidth(r[c]))));
  const pad = (cell: string, c: number) => ' '.repeat(widths[c] - displayWidth(cell));
  return rows
    .map((r) => r.map((cell, c) => (rightAligned.includes(c) ? pad(cell, c) + cell : cell + pad(cell, c))).join('  ').trimEnd())
    .join('\n');
}

const CATEGORY_LABELS: Record<string, string> = {
  goods: '物资 goods',
  school_aid: '助学金 school aid',
  medical: '医疗康复 medical',
  psychological: '心理服务 psychological services',
  activities: '活动 activities',
  administration: '管理费用 administration',
};

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(options.file) || !fs.statSync(options.file).isFile()) usage(`cannot read ${options.file}`);

  const verifier = new LedgerVerifier();
  const summary = new LedgerSummary();
  let lastSequence: number | null = null;
  const loaded = await load(options.file, (entry) => {
    // Summing stops at the first problem: a tampered amount may not even be an integer.
    if (verifier.add(entry) === 0) summary.add(entry);
    lastSequence = entry.sequence;
  });
  const verification = verifier.result();
  // An empty ledger is exported with its header; a file with nothing at all is not an export.
  if (!loaded.header && verification.count === 0 && loaded.problems.length === 0) {
    loaded.problems.push(fromLine(undefined, problem('bad_header', { detail: 'the file holds neither a header nor entries' })));
  }
  const problems: Array<ChainProblem & { line?: number }> = [...loaded.problems, ...verification.problems];
  if (loaded.header && loaded.header.head !== verification.head) {
    problems.push(fromLine(undefined, problem('header_head_mismatch', { actual: verification.head, expected: loaded.header.head }), lastSequence));
  }
  if (options.expectHead && options.expectHead !== verification.head) {
    problems.push(fromLine(undefined, problem('head_mismatch', { actual: verification.head, expected: options.expectHead }), lastSequence));
  }
  const ok = problems.length === 0;
  // Figures from a broken ledger would look authoritative and mean nothing.
  const accountBalances = ok ? summary.balances() : new Map<string, number>();
  const totals = ok ? summary.totals() : null;
  const trial = ok ? trialBalance(accountBalances) : null;

  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          ok,
          count: verification.count,
          head: verification.head,
          headerHead: loaded.header?.head ?? null,
          problems,
          totals,
          trialBalance: trial,
          balances: ok ? Object.fromEntries(accountBalances) : null,
        },
        null,
        2,
      )}\n`,
    );
    process.exit(ok ? 0 : 1);
  }

  const out: string[] = [];
  out.push(`CareBridge ledger: ${options.file}`);
  out.push(`entries: ${verification.count}`);
  out.push(`chain head: ${verification.head}${verification.head === GENESIS_HASH ? ' (empty ledger)' : ''}`);
  if (loaded.header) out.push(`exported at: ${loaded.header.exportedAt}`);
  if (!ok) {
    out.push('', `INVALID: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    for (const p of problems.slice(0, MAX_PROBLEMS_SHOWN)) {
      const where = [p.sequence !== null ? `sequence ${p.sequence}` : null, p.line !== undefined ? `line ${p.line}` : null].filter(Boolean).join(', ');
      out.push(`  ${where || 'file'}: ${p.problem}`);
    }
    if (problems.length > MAX_PROBLEMS_SHOWN) out.push(`  … and ${problems.length - MAX_PROBLEMS_SHOWN} more`);
    out.push('', 'Totals are not shown for a ledger that fails verification.');
    process.stdout.write(`${out.join('\n')}\n`);
    process.exit(1);
  }

  if (!totals || !trial) throw new Error('unreachable: a valid ledger always has totals');
  out.push('', 'VALID: chain intact, every transaction balanced, reversals well formed');
  if (!loaded.header && !options.expectHead) out.push('note: no header and no --expect-head: compare the chain head above with the one CareBridge publishes');
  out.push('', 'Totals (yuan)');
  const totalRows: string[][] = [
    ['donations received', yuan(totals.donationsFen)],
    ['refunded to donors', yuan(totals.refundsFen)],
    ['lost to disputes', yuan(totals.disputesFen)],
    ['payment fees', yuan(totals.feesFen)],
    ...EXPENSE_CATEGORIES.map((c) => [`spent: ${CATEGORY_LABELS[c]}`, yuan(totals.spentByCategory[c])]),
    ['spent in total', yuan(totals.spentFen)],
    ['held in funds', yuan(totals.heldFen)],
  ];
  out.push(table(totalRows.map(([label, value]) => [`  ${label}`, value]), [1]));
  out.push('', 'Balances per account (yuan)');
  const rows = [['  account', 'debit', 'credit']];
  for (const [account, fen] of accountBalances) {
    const ref = parseAccountName(account);
    const side = ref ? normalBalance(ref) : 'debit';
    rows.push([`  ${account}${side === 'credit' ? ' (credit account)' : ''}`, fen > 0 ? yuan(fen) : '', fen < 0 ? yuan(-fen) : fen === 0 ? '0.00' : '']);
  }
  rows.push(['  total', yuan(trial.debitFen), yuan(trial.creditFen)]);
  out.push(table(rows, [1, 2]));
  out.push(`trial balance difference: ${yuan(trial.differenceFen)}`);
  process.stdout.write(`${out.join('\n')}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`verify-ledger: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
