import { and, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { memberships, notificationPreferences, notifications, organizations, users } from '../db/schema';
import { requireSignedIn, type OrgRole, type Viewer } from '../lib/authorization';
import { NotFoundError } from '../lib/errors';
import { translator, type Locale } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import type { Mailer } from '../lib/mailer';
import type { RealtimeHub } from '../realtime/hub';

/** What a notification is about; each has `notifications.kind.<kind>` (title) in the locale files. */
export const NOTIFICATION_KINDS = [
  'match_proposed',
  'match_accepted',
  'pairing_requested',
  'pairing_approved',
  'hours_to_approve',
  'follow_up_overdue',
  'check_in_missed',
  'expenditure_to_approve',
  'report_due',
  'report_overdue',
  'need_held_back',
  'match_declined',
  'match_confirmed',
  'match_withdrawn',
  'pairing_declined',
  'hours_approved',
  'hours_rejected',
  'expenditure_approved',
  'expenditure_rejected',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Who should hear of it: named accounts, and/or the members of an organization holding some roles. */
export interface Audience {
  userIds?: string[];
  organizationId?: string;
  roles?: readonly OrgRole[];
  /** Never these people, whoever else they are: the one who acted does not hear of their own act. */
  exceptUserIds?: readonly (string | null | undefined)[];
}

/** What an area needs to tell people of an event: `tell` after its transaction committed. */
export interface Notifier {
  tell(audience: Audience, kind: NotificationKind, params?: Record<string, string | number>, link?: string): Promise<void>;
}

const PAGE_SIZE = 20;

export class NotificationsService implements Notifier {
  constructor(private readonly deps: { db: Database; hub: RealtimeHub; mailer: Mailer; logger: Logger; baseUrl: string }) {}

  private async recipients(audience: Audience): Promise<string[]> {
    const ids = new Set(audience.userIds ?? []);
    if (audience.organizationId) {
      const rows = await this.deps.db
        .select({ userId: memberships.userId, roles: memberships.roles })
        .from(memberships)
        .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
        .where(and(eq(memberships.organizationId, audience.organizationId), eq(organizations.status, 'verified')));
      for (const r of rows) if (!audience.roles || r.roles.some((role) => audience.roles!.includes(role as OrgRole))) ids.add(r.userId);
    }
    for (const id of audience.exceptUserIds ?? []) if (id) ids.delete(id);
    return [...ids];
  }

  /**
   * Stores a notification for each person in the audience, pushes it to their open pages with
   * their new unread count, and mails it when a mail transport is configured. Call after the
   * transaction that caused it has committed: nobody hears of something that did not happen.
   */
  async notify(audience: Audience, kind: NotificationKind, params: Record<string, string | number> = {}, link?: string): Promise<number> {
    const userIds = await this.recipients(audience);
    if (userIds.length === 0) return 0;
    const rows = await this.deps.db
      .insert(notifications)
      .values(userIds.map((userId) => ({ userId, kind, params, link: link ?? null })))
      .returning();
    const unread = await this.deps.db
      .select({ userId: notifications.userId, n: count() })
      .from(notifications)
      .where(and(inArray(notifications.userId, userIds), isNull(notifications.readAt)))
      .groupBy(notifications.userId);
    const unreadBy = new Map(unread.map((u) => [u.userId, u.n]));
    for (const row of rows) this.deps.hub.toUser(row.userId, 'notification', { id: row.id, kind, params, link, unread: unreadBy.get(row.userId) ?? 1 });
    // Mail goes through the mailer whatever its transport: the outbox keeps what was told, SMTP (when set) delivers it.
    const people = await this.deps.db
      .select({ id: users.id, email: users.email, locale: users.locale })
      .from(users)
      .leftJoin(notificationPreferences, eq(notificationPreferences.userId, users.id))
      .where(and(inArray(users.id, userIds), sql`coalesce(${notificationPreferences.mail}, true)`));
    for (const p of people) {
      const t = translator(p.locale as Locale);
      const title = t(`notifications.kind.${kind}`, params);
      await this.deps.mailer
        .send({ to: p.email, subject: title, text: `${title}\n\n${this.deps.baseUrl}${link ?? '/notifications'}\n\n${t('notifications.mail_footer', { url: `${this.deps.baseUrl}/notifications` })}`, kind: `notification.${kind}` })
        .catch((err) => this.deps.logger.warn('notification mail failed', { err }));
    }
    return rows.length;
  }

  /** Like notify, for callers whose own work has committed: a failure is logged, never thrown, so it cannot undo or fail what happened. */
  async tell(audience: Audience, kind: NotificationKind, params: Record<string, string | number> = {}, link?: string): Promise<void> {
    await this.notify(audience, kind, params, link).catch((err) => this.deps.logger.warn('notification failed', { kind, err }));
  }

  /** Whether the viewer gets notifications by mail too (on unless they turned it off). */
  async mailOn(viewer: Viewer): Promise<boolean> {
    const actor = requireSignedIn(viewer);
    const [row] = await this.deps.db.select({ mail: notificationPreferences.mail }).from(notificationPreferences).where(eq(notificationPreferences.userId, actor.userId));
    return row?.mail ?? true;
  }

  /** The viewer turns notification mail on or off for themselves; the centre keeps every notification either way. */
  async setMail(viewer: Viewer, on: boolean): Promise<void> {
    const actor = requireSignedIn(viewer);
    await this.deps.db
      .insert(notificationPreferences)
      .values({ userId: actor.userId, mail: on })
      .onConflictDoUpdate({ target: notificationPreferences.userId, set: { mail: on, updatedAt: new Date() } });
  }

  /** How many notifications of the viewer are unread (0 for anonymous visitors). */
  async unreadCount(viewer: Viewer): Promise<number> {
    if (!viewer) return 0;
    const [{ n }] = await this.deps.db.select({ n: count() }).from(notifications).where(and(eq(notifications.userId, viewer.userId), isNull(notifications.readAt)));
    return n;
  }

  /** The viewer's notifications, newest first, a page at a time. */
  async list(viewer: Viewer, page: number) {
    const actor = requireSignedIn(viewer);
    const where = eq(notifications.userId, actor.userId);
    const [rows, [{ total }]] = await Promise.all([
      this.deps.db.select().from(notifications).where(where).orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE),
      this.deps.db.select({ total: count() }).from(notifications).where(where),
    ]);
    return { notifications: rows, total, page, pageSize: PAGE_SIZE };
  }

  /** Marks one of the viewer's notifications read; someone else's is not found. */
  async markRead(viewer: Viewer, id: string): Promise<string | null> {
    const actor = requireSignedIn(viewer);
    const [row] = await this.deps.db
      .update(notifications)
      .set({ readAt: sql`coalesce(${notifications.readAt}, now())` })
      .where(and(eq(notifications.id, id), eq(notifications.userId, actor.userId)))
      .returning({ link: notifications.link });
    if (!row) throw new NotFoundError('notification');
    return row.link;
  }

  /** Marks all of the viewer's notifications read. */
  async markAllRead(viewer: Viewer): Promise<void> {
    const actor = requireSignedIn(viewer);
    await this.deps.db.update(notifications).set({ readAt: new Date() }).where(and(eq(notifications.userId, actor.userId), isNull(notifications.readAt)));
  }
}
