/**
 * The reminder runner's shapes, declared here until `server/notifications/reminders.ts` (being
 * built alongside, with exactly these types) is on this branch; then import them from there and
 * delete this file.
 */
import type { Audience, NotificationKind } from '../notifications/notifications.service';

export interface Reminder {
  key: string;
  audience: Audience;
  kind: NotificationKind;
  params: Record<string, string | number>;
  link: string;
}
export type ReminderSource = (now: Date) => Promise<Reminder[]>;
