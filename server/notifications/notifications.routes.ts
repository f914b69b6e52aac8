import { Router } from 'express';
import type { Services } from '../services';
import { flash, uuidParam } from '../lib/http';
import { paginate, pageFromQuery } from '../lib/pagination';

export function notificationsRouter(services: Services) {
  const r = Router();
  const { notifications } = services;

  r.get('/notifications', async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const result = await notifications.list(req.viewer, page);
    res.render('notifications/index', { title: req.t('notifications.title'), ...result, pagination: paginate({ page, pageSize: result.pageSize, total: result.total, baseUrl: '/notifications' }) });
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
