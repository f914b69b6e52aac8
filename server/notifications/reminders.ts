import type { Database } from '../db/client';
import { sentReminders } from '../db/schema';
import type { Logger } from '../lib/logger';
import type { Audience, NotificationKind, Notifier } from './notifications.service';

/**
 * Something that became due with time rather than by anyone's act (an overdue follow-up, a
 * missed check-in, a report due). `key` names the item and the occasion, e.g.
 * `follow_up_overdue:<follow-up id>`: a key is sent once, ever.
 */
export interface Reminder {
  key: string;
  audience: Audience;
  kind: NotificationKind;
  params: Record<string, string | number>;
  link: string;
}

/** An area's list of what is due at `now`; it may list the same item on every run, the runner sends it once. */
export type ReminderSource = (now: Date) => Promise<Reminder[]>;

/** What one run did. */
export interface ReminderRun {
  due: number;
  sent: number;
  failedSources: number;
}

/**
 * Runs every source and sends each reminder whose key was never sent. The key is claimed in
 * the database before the notification goes out (unique key, `on conflict do nothing`), so two
 * nodes running at once send it once; a reminder whose notification fails is not retried
 * (a missed reminder is better than one sent twice every hour).
 */
export class ReminderRunner {
  constructor(private readonly deps: { db: Database; notifications: Notifier; logger: Logger; sources: ReminderSource[] }) {}

  /** Adds a source (an area that plugs in after the runner was built). */
  add(source: ReminderSource): void {
    this.deps.sources.push(source);
  }

  /** Sends what is due at `now` and was never sent; one failing source does not stop the others. */
  async run(now: Date): Promise<ReminderRun> {
    const due: Reminder[] = [];
    let failedSources = 0;
    for (const source of this.deps.sources) {
      try {
        due.push(...(await source(now)));
      } catch (err) {
        failedSources++;
        this.deps.logger.warn('a reminder source failed', { err });
      }
    }
    let sent = 0;
    for (const reminder of uniqueByKey(due)) {
      const claimed = await this.deps.db
        .insert(sentReminders)
        .values({ key: reminder.key, kind: reminder.kind, sentAt: now })
        .onConflictDoNothing({ target: sentReminders.key })
        .returning({ key: sentReminders.key });
      if (claimed.length === 0) continue;
      await this.deps.notifications.tell(reminder.audience, reminder.kind, reminder.params, reminder.link);
      sent++;
    }
    return { due: due.length, sent, failedSources };
  }
}

function uniqueByKey(reminders: Reminder[]): Reminder[] {
  return [...new Map(reminders.map((r) => [r.key, r])).values()];
}
