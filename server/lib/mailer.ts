import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { outbox } from '../db/schema';
import type { Logger } from './logger';

export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  /** What the message is for, e.g. 'password_reset', 'invitation'. */
  kind: string;
}

/**
 * The one mail interface. Every message lands in the outbox table (the platform's record of
 * what it told whom); with SMTP configured it is also delivered. Only this file imports nodemailer.
 * Call send() after the transaction that caused the message has committed.
 */
export interface Mailer {
  readonly transport: 'outbox' | 'smtp';
  send(message: OutgoingMessage): Promise<void>;
}

export function createMailer(deps: { db: Database; logger: Logger; smtpUrl?: string; from: string }): Mailer {
  const { db, logger } = deps;
  const transporter = deps.smtpUrl ? require('nodemailer').createTransport(deps.smtpUrl) : undefined;
  return {
    transport: transporter ? 'smtp' : 'outbox',
    async send(message) {
      const [row] = await db
        .insert(outbox)
        .values({ to: message.to, subject: message.subject, body: message.text, kind: message.kind })
        .returning({ id: outbox.id });
      if (!transporter) {
        // No transport: the log is where an operator (or a developer) reads the message.
        logger.info('mail written to outbox', { outboxId: row.id, to: message.to, subject: message.subject, kind: message.kind, body: message.text });
        return;
      }
      try {
        await transporter.sendMail({ from: deps.from, to: message.to, subject: message.subject, text: message.text });
        await db.update(outbox).set({ sentAt: new Date() }).where(eq(outbox.id, row.id));
      } catch (err) {
        logger.error('mail delivery failed', { outboxId: row.id, err });
        await db.update(outbox).set({ error: String((err as Error).message) }).where(eq(outbox.id, row.id));
      }
    },
  };
}
