import { Router, type Request } from 'express';
import type { Services } from '../services';
import { z } from 'zod';
import { flash, form, uuidParam } from '../lib/http';
import { parseInput } from '../lib/validate';
import { paginate, pageFromQuery } from '../lib/pagination';

/** The centre's mail switch: on or off, nothing else. */
const MailPreferenceSchema = z.object({ mailNotifications: z.enum(['on', 'off']) });

export function notificationsRouter(services: Services) {
  const r = Router();
  const { notifications } = services;

  const centre = async (req: Request) => {
    const page = pageFromQuery(req.query.page);
    const [result, mailOn] = await Promise.all([notifications.list(req.viewer, page), notifications.mailOn(req.viewer)]);
    return { title: req.t('notifications.title'), ...result, mailOn, pagination: paginate({ page, pageSize: result.pageSize, total: result.total, baseUrl: '/notifications' }) };
  };

  r.get('/notifications', async (req, res) => {
    res.render('notifications/index', await centre(req));
  });

  r.post('/notifications/mail', form('notifications/index', centre), async (req, res) => {
    const { mailNotifications } = parseInput(MailPreferenceSchema, req.body, req.t);
    await notifications.setMail(req.viewer, mailNotifications === 'on');
    flash(req, 'success', mailNotifications === 'on' ? 'notifications.mail_turned_on' : 'notifications.mail_turned_off');
    res.redirect(303, '/notifications');
  });

  r.post('/notifications/:id/read', async (req, res) => {
    const link = await notifications.markRead(req.viewer, uuidParam(req, 'id'));
    res.redirect(303, link && link.startsWith('/') && !link.startsWith('//') ? link : '/notifications');
  });

  r.post('/notifications/read-all', async (req, res) => {
    await notifications.markAllRead(req.viewer);
    flash(req, 'success', 'notifications.all_read');
    res.redirect(303, '/notifications');
  });

  return r;
}
