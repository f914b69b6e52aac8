/**
 * Field-level encryption for personal information at rest (children's names, ID numbers,
 * guardians' phones). A database dump or a backup alone never reveals a child.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// The version names both the token layout and the key that wrote it, so a rotated key can be
// introduced as "v2" while "v1" tokens are still readable.
const VERSION = 'v1';
const HKDF_SALT = Buffer.from('carebridge/keyed-hash', 'utf8');

/** AES-256-GCM encryption of single field values, and keyed hashes for equality look-ups. */
export class FieldCipher {
  readonly #key: Buffer;
  readonly #subkeys = new Map<string, Buffer>();

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new Error(`FieldCipher needs a ${KEY_BYTES}-byte key`);
    }
    this.#key = Buffer.from(key);
  }

  /**
   * Encrypts with a fresh random IV: `v1.<iv>.<ciphertext>.<tag>`, base64url parts.
   * `context` (e.g. "children.id_number:<child id>") is authenticated but not stored, so a
   * token copied onto another record or column fails to decrypt there.
   */
  encrypt(plain: string, context = ''): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Decrypts a token from `encrypt`; throws on a malformed token, a wrong key, context or any tampering. */
  decrypt(token: string, context = ''): string {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('Encrypted field has an unknown format');
    const [iv, body, tag] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('Encrypted field has an unknown format');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      // Node's message ("Unsupported state or unable to authenticate data") helps nobody.
      throw new Error('Encrypted field failed authentication (wrong key, wrong context or tampered data)');
    }
  }

  /**
   * HMAC-SHA256 of `value` under a subkey derived by HKDF with `purpose` as info; lower-case hex.
   * Deterministic, so two organizations' records of the same ID number match without either
   * seeing the other's number; different purposes give unrelated hashes. Normalize `value` first.
   */
  keyedHash(value: string, purpose: string): string {
    let subkey = this.#subkeys.get(purpose);
    if (!subkey) {
      subkey = Buffer.from(crypto.hkdfSync('sha256', this.#key, HKDF_SALT, Buffer.from(purpose, 'utf8'), KEY_BYTES));
      this.#subkeys.set(purpose, subkey);
    }
    return crypto.createHmac('sha256', subkey).update(value, 'utf8').digest('hex');
  }
}

function decodeKeyText(text: string): Buffer | null {
  const t = text.trim();
  // Hex first: 64 hex characters are also valid base64 (of 48 bytes).
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const buf = Buffer.from(t, 'base64');
    if (buf.length === KEY_BYTES) return buf;
  }
  return null;
}

/** Reads the 32-byte data key from DATA_KEY (base64 or 64 hex characters); throws naming DATA_KEY otherwise. */
export function parseDataKey(envValue: string): Buffer {
  const key = decodeKeyText(envValue ?? '');
  // The value itself is never echoed: it may be a real key pasted with one character missing.
  if (!key) throw new Error(`DATA_KEY must be ${KEY_BYTES} bytes written as base64 or as 64 hex characters`);
  return key;
}

/**
 * Returns the key stored at `filePath`, creating it (random, base64, mode 0600) if missing.
 * Refuses a file readable by group or others, or one that does not hold exactly 32 bytes.
 */
export function loadOrCreateKeyFile(filePath: string): Buffer {
  try {
    fs.mkdirSync(path.dirname(filePath), { recursive: true, mode: 0o700 });
    // 'wx' fails if the file appeared meanwhile (another process), and then we read theirs.
    fs.writeFileSync(filePath, crypto.randomBytes(KEY_BYTES).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // POSIX permission bits mean nothing on Windows, where every file reports 0666.
  if (process.platform !== 'win32') {
    const mode = fs.statSync(filePath).mode & 0o777;
    if (mode & 0o077) {
      throw new Error(
        `Key file ${filePath} is accessible to group or other users (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${filePath}`,
      );
    }
  }
  const key = decodeKeyText(fs.readFileSync(filePath, 'utf8'));
  if (!key) throw new Error(`Key file ${filePath} must hold exactly ${KEY_BYTES} bytes written as base64`);
  return key;
}
