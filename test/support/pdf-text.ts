import zlib from 'node:zlib';

/**
 * Text of a PDF made by pdfkit with embedded (subset) fonts, read the way a PDF reader does:
 * page content selects a font (`/F1 12 Tf`), the page's resources name that font's object, the
 * font's ToUnicode CMap maps glyph codes back to characters, and the content's hex strings
 * (TJ/Tj) are decoded through it. Enough to prove Chinese text round-trips; not a PDF parser.
 */
export function pdfText(pdf: Buffer): { text: string; fonts: string[] } {
  const source = pdf.toString('latin1');
  const objects = new Map<number, { dict: string; stream: string | null }>();
  for (const m of source.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = m[2];
    const at = body.search(/(?<!end)stream\r?\n/);
    let stream: string | null = null;
    if (at >= 0) {
      const start = m.index! + m[0].indexOf(body) + body.indexOf('\n', at) + 1;
      const end = source.indexOf('endstream', start);
      const bytes = pdf.subarray(start, end);
      try {
        stream = zlib.inflateSync(bytes).toString('latin1');
      } catch {
        stream = bytes.toString('latin1');
      }
    }
    objects.set(Number(m[1]), { dict: at >= 0 ? body.slice(0, at) : body, stream });
  }
  const cmapOf = (fontObj: number): Map<string, string> => {
    const ref = /\/ToUnicode (\d+) 0 R/.exec(objects.get(fontObj)?.dict ?? '');
    return parseCMap(ref ? (objects.get(Number(ref[1]))?.stream ?? '') : '');
  };
  let text = '';
  for (const page of [...objects.values()].filter((o) => /\/Type \/Page\b/.test(o.dict))) {
    const fonts = new Map<string, Map<string, string>>();
    const resources = /\/Resources (\d+) 0 R/.exec(page.dict);
    const resourceDict = resources ? (objects.get(Number(resources[1]))?.dict ?? '') : page.dict;
    for (const [, name, obj] of resourceDict.matchAll(/\/(F\d+) (\d+) 0 R/g)) fonts.set(name, cmapOf(Number(obj)));
    const contents = /\/Contents (\d+) 0 R/.exec(page.dict);
    const content = contents ? (objects.get(Number(contents[1]))?.stream ?? '') : '';
    let current = new Map<string, string>();
    for (const [, font, hex] of content.matchAll(/\/(F\d+) [\d.]+ Tf|<([0-9a-fA-F]+)>/g)) {
      if (font) current = fonts.get(font) ?? new Map();
      else for (let i = 0; i + 4 <= hex.length; i += 4) text += current.get(hex.slice(i, i + 4).toLowerCase()) ?? '';
    }
    text += '\n';
  }
  return { text, fonts: [...source.matchAll(/\/BaseFont\s*\/([^\s/>]+)/g)].map((x) => x[1]) };
}

function parseCMap(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, uni] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]*)>/g)) map.set(code.toLowerCase(), utf16(uni));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, rest] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      // A ligature's entry holds several code units, written with spaces: <0066 0066 0069>.
      const from = parseInt(lo, 16);
      const list = rest.startsWith('[') ? [...rest.matchAll(/<([0-9a-fA-F\s]*)>/g)].map((x) => utf16(x[1])) : null;
      for (let c = from; c <= parseInt(hi, 16); c += 1) {
        map.set(c.toString(16).padStart(lo.length, '0'), list ? (list[c - from] ?? '') : String.fromCodePoint(parseInt(rest.slice(1, -1), 16) + (c - from)));
      }
    }
  }
  return map;
}

function utf16(spaced: string): string {
  const hex = spaced.replace(/\s+/g, '');
  const units: number[] = [];
  for (let i = 0; i + 4 <= hex.length; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
  return String.fromCharCode(...units);
}
