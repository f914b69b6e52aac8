import session from 'express-session';
import { eq, lt } from 'drizzle-orm';
import type { Database } from '../db/client';
import { sessions } from '../db/schema';

/** express-session store on the sessions table, so any app node can serve any session. */
export class DatabaseSessionStore extends session.Store {
  constructor(private readonly db: Database, private readonly ttlMs: number) {
    super();
  }

  private expiry(sess: session.SessionData): Date {
    const expires = sess.cookie?.expires ? new Date(sess.cookie.expires) : undefined;
    return expires ?? new Date(Date.now() + this.ttlMs);
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db.query.sessions
      .findFirst({ where: eq(sessions.sid, sid) })
      .then((row) => cb(null, row && row.expiresAt.getTime() > Date.now() ? (row.data as session.SessionData) : null), cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const userId = (sess as { passport?: { user?: string } }).passport?.user ?? null;
    const expiresAt = this.expiry(sess);
    this.db
      .insert(sessions)
      .values({ sid, data: sess, userId, expiresAt })
      .onConflictDoUpdate({ target: sessions.sid, set: { data: sess, userId, expiresAt } })
      .then(() => cb?.(), (err) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.db.delete(sessions).where(eq(sessions.sid, sid)).then(() => cb?.(), (err) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.db.update(sessions).set({ expiresAt: this.expiry(sess), data: sess }).where(eq(sessions.sid, sid)).then(() => cb?.(), (err) => cb?.(err));
  }

  /** Deletes expired sessions; run periodically by the server process. */
  async prune(): Promise<number> {
    const gone = await this.db.delete(sessions).where(lt(sessions.expiresAt, new Date())).returning({ sid: sessions.sid });
    return gone.length;
  }
}
