import { Router } from 'express';
import type { Services } from '../services';

export function homeRouter(services: Services) {
  const r = Router();
  r.get('/', async (req, res) => {
    const { organizations, total } = await services.organizations.directory(1, 6);
    res.render('home/index', { title: req.t('home.title'), organizations, organizationCount: total });
  });
  return r;
}
