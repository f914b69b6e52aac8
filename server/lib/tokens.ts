import crypto from 'node:crypto';

/** A URL-safe random token with 256 bits of entropy, for links sent by mail. */
export const randomToken = (): string => crypto.randomBytes(32).toString('base64url');

/** Tokens are stored only as hashes, so a database dump cannot be used to take over an account. */
export const tokenHash = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');
