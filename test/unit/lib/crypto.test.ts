import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FieldCipher, loadOrCreateKeyFile, parseDataKey } from '../../../server/lib/crypto';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 8);
const ID_NUMBER = '52032420120305123X';

// Changes one character of one dot-separated part of a token, keeping it valid base64url.
function tamper(token: string, part: number): string {
  const parts = token.split('.');
  const s = parts[part];
  parts[part] = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  return parts.join('.');
}

describe('FieldCipher', () => {
  const cipher = new FieldCipher(KEY);

  it('round-trips Chinese text, ID numbers and the empty string', () => {
    for (const plain of [ID_NUMBER, '张小明', '贵州省遵义市湄潭县红星村3组12号', '']) {
      expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
    }
  });

  it('writes versioned tokens that reveal nothing of the plaintext', () => {
    const token = cipher.encrypt(ID_NUMBER);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{22}$/);
    expect(token).not.toContain(ID_NUMBER);
    expect(token).not.toContain('20120305');
    expect(token).not.toContain(Buffer.from(ID_NUMBER).toString('base64url').slice(0, 8));
  });

  it('gives a different token each time the same value is encrypted', () => {
    const tokens = new Set(Array.from({ length: 20 }, () => cipher.encrypt(ID_NUMBER)));
    expect(tokens.size).toBe(20);
  });

  it('detects tampering with the IV, the ciphertext or the tag', () => {
    const token = cipher.encrypt(ID_NUMBER);
    for (const part of [1, 2, 3]) {
      expect(() => cipher.decrypt(tamper(token, part))).toThrow(/failed authentication/);
    }
  });

  it('refuses to decrypt with another key', () => {
    const token = cipher.encrypt(ID_NUMBER);
    expect(() => new FieldCipher(OTHER_KEY).decrypt(token)).toThrow(/failed authentication/);
  });

  it('binds a token to its context, so it cannot be moved to another record', () => {
    const token = cipher.encrypt(ID_NUMBER, 'children.id_number:child-1');
    expect(cipher.decrypt(token, 'children.id_number:child-1')).toBe(ID_NUMBER);
    expect(() => cipher.decrypt(token, 'children.id_number:child-2')).toThrow(/failed authentication/);
    expect(() => cipher.decrypt(token)).toThrow(/failed authentication/);
  });

  it('rejects malformed tokens and unknown versions', () => {
    const token = cipher.encrypt(ID_NUMBER);
    for (const bad of ['', ID_NUMBER, token.replace(/^v1/, 'v2'), token.split('.').slice(0, 3).join('.'), `${token}.x`]) {
      expect(() => cipher.decrypt(bad)).toThrow(/unknown format/);
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new FieldCipher(Buffer.alloc(16))).toThrow(/32-byte key/);
  });

  describe('keyedHash', () => {
    it('is HMAC-SHA256 under an HKDF subkey named by the purpose, so stored hashes stay comparable', () => {
      const subkey = Buffer.from(crypto.hkdfSync('sha256', KEY, Buffer.from('carebridge/keyed-hash'), Buffer.from('id_number'), 32));
      const expected = crypto.createHmac('sha256', subkey).update(ID_NUMBER).digest('hex');
      expect(cipher.keyedHash(ID_NUMBER, 'id_number')).toBe(expected);
      expect(cipher.keyedHash(ID_NUMBER, 'id_number')).toMatch(/^[0-9a-f]{64}$/);
    });

    it('matches the same ID number across two cipher instances with the same key', () => {
      expect(new FieldCipher(Buffer.from(KEY)).keyedHash(ID_NUMBER, 'id_number')).toBe(cipher.keyedHash(ID_NUMBER, 'id_number'));
    });

    it('differs by purpose, by key and by value, and is not a plain hash', () => {
      const h = cipher.keyedHash(ID_NUMBER, 'id_number');
      expect(cipher.keyedHash(ID_NUMBER, 'phone')).not.toBe(h);
      expect(new FieldCipher(OTHER_KEY).keyedHash(ID_NUMBER, 'id_number')).not.toBe(h);
      expect(cipher.keyedHash('520324201203051220', 'id_number')).not.toBe(h);
      expect(h).not.toBe(crypto.createHash('sha256').update(ID_NUMBER).digest('hex'));
      expect(h).not.toBe(crypto.createHmac('sha256', KEY).update(ID_NUMBER).digest('hex'));
    });
  });
});

describe('parseDataKey', () => {
  const raw = crypto.randomBytes(32);

  it('accepts 32 bytes as base64, base64url or hex', () => {
    expect(parseDataKey(raw.toString('base64'))).toEqual(raw);
    expect(parseDataKey(raw.toString('base64url'))).toEqual(raw);
    expect(parseDataKey(raw.toString('hex'))).toEqual(raw);
    expect(parseDataKey(` ${raw.toString('hex').toUpperCase()}\n`)).toEqual(raw);
  });

  it('rejects anything else with a message naming DATA_KEY but not echoing the value', () => {
    const short = crypto.randomBytes(16).toString('base64');
    for (const bad of ['', 'secret', short, raw.toString('hex').slice(1), `${raw.toString('base64')}AAAA`]) {
      let message = '';
      try {
        parseDataKey(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/DATA_KEY/);
      if (bad) expect(message).not.toContain(bad);
    }
  });
});

describe('loadOrCreateKeyFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carebridge-key-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a random 32-byte key once, owner-only, and returns the same key afterwards', () => {
    const file = path.join(dir, 'nested', 'data.key');
    const key = loadOrCreateKeyFile(file);
    expect(key).toHaveLength(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')).toEqual(key);
    expect(loadOrCreateKeyFile(file)).toEqual(key);
    expect(loadOrCreateKeyFile(path.join(dir, 'other.key'))).not.toEqual(key);
  });

  it('refuses a key file that group or others can read', () => {
    const file = path.join(dir, 'data.key');
    loadOrCreateKeyFile(file);
    fs.chmodSync(file, 0o644);
    expect(() => loadOrCreateKeyFile(file)).toThrow(/accessible to group or other users \(mode 0644\); run: chmod 600/);
  });

  it('refuses a key file of the wrong length instead of replacing it', () => {
    const file = path.join(dir, 'data.key');
    fs.writeFileSync(file, crypto.randomBytes(16).toString('base64'), { mode: 0o600 });
    expect(() => loadOrCreateKeyFile(file)).toThrow(/must hold exactly 32 bytes/);
    expect(Buffer.from(fs.readFileSync(file, 'utf8'), 'base64')).toHaveLength(16);
  });
});
