import { Router } from 'express';
import type { Services } from '../services';

const regionQuery = (q: unknown): string | undefined => (typeof q === 'string' && /^\d{6}(\d{3})?$/.test(q) ? q : undefined);

export function dashboardRouter(services: Services) {
  const r = Router();
  const { dashboard } = services;

  r.get('/dashboard', async (req, res) => {
    const region = regionQuery(req.query.region);
    const data = await dashboard.figures(req.viewer, region);
    res.render('dashboard/index', { title: req.t('dashboard.title'), ...data, regionCode: region ?? '', drillable: data.rowLevel !== 'township' });
  });

  r.get('/dashboard/export.xlsx', async (req, res) => {
    const region = regionQuery(req.query.region);
    const file = await dashboard.exportXlsx(req.viewer, region, req.t);
    res.attachment(`${req.t('dashboard.title')}-${region ?? 'all'}.xlsx`).type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(file);
  });

  return r;
}
