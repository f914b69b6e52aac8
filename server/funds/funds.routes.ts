import { once } from 'node:events';
import { Router, type Request } from 'express';
import type { Services } from '../services';
import { NotFoundError } from '../lib/errors';
import { flash, form, uuidParam } from '../lib/http';
import { formatFen } from '../lib/money';
import { parseInput } from '../lib/validate';
import { disclosureXlsx, reportCsv, reportJson, reportPdf } from './funds.export';
import { barChartSvg, formatBp, PUBLISHABLE_KINDS } from './funds.rules';
import { correctionSchema, disclosureSchema, exportFormatSchema } from './funds.schemas';
import type { FundReport } from './funds.service';

const orgIdOf = (req: Request) => /^\/org\/([^/?#]+)/.exec(req.originalUrl)?.[1] ?? '';

/** The report page's locals: the report and its spending chart (inline SVG, text escaped). */
function reportLocals(req: Request, report: FundReport, exportBase: string) {
  const chart = barChartSvg(
    report.categories.map((c) => ({ label: req.t(`ledger.category.${c.category}`), value: c.fen, caption: `¥${formatFen(c.fen)} · ${formatBp(c.bp)}` })),
    { title: req.t('funds.report.by_category') },
  );
  const title = report.project ? report.project.title : report.organization.name;
  return { title: req.t('funds.report.page_title', { name: title }), report, chart, adminShare: formatBp(report.adminShareBp), exportBase };
}

async function sendReport(req: Request, res: import('express').Response, report: FundReport, basename: string) {
  const format = exportFormatSchema.safeParse(req.params.format);
  if (!format.success) throw new NotFoundError('export format');
  const name = `${basename}-${report.generatedAt.toISOString().slice(0, 10)}`;
  if (format.data === 'csv') return res.attachment(`${name}.csv`).type('text/csv; charset=utf-8').send(reportCsv(report, req.t));
  if (format.data === 'json') return res.attachment(`${name}.json`).type('application/json; charset=utf-8').send(reportJson(report));
  return res.attachment(`${name}.pdf`).type('application/pdf').send(await reportPdf(report, req.t));
}

export function fundsRouter(services: Services) {
  const r = Router();
  const { funds, ledger } = services;

  r.get('/funds/organizations/:orgId', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    res.render('funds/report', reportLocals(req, await funds.organizationReport(orgId), `/funds/organizations/${orgId}/export`));
  });
  r.get('/funds/organizations/:orgId/export/:format', async (req, res) => {
    await sendReport(req, res, await funds.organizationReport(uuidParam(req, 'orgId')), 'fund-report-organization');
  });
  r.get('/funds/projects/:projectId', async (req, res) => {
    const projectId = uuidParam(req, 'projectId');
    res.render('funds/report', reportLocals(req, await funds.projectReport(projectId), `/funds/projects/${projectId}/export`));
  });
  r.get('/funds/projects/:projectId/export/:format', async (req, res) => {
    await sendReport(req, res, await funds.projectReport(uuidParam(req, 'projectId')), 'fund-report-project');
  });

  r.get('/funds/projects/:projectId/disclosures/:disclosureId/filing.xlsx', async (req, res) => {
    const filing = await funds.disclosureFiling(uuidParam(req, 'projectId'), uuidParam(req, 'disclosureId'));
    res.attachment(`charity-disclosure-${filing.disclosure.periodStart}-${filing.disclosure.periodEnd}.xlsx`).type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await disclosureXlsx(filing, req.t));
  });

  r.get('/transparency', async (req, res) => {
    res.render('funds/transparency', { title: req.t('funds.transparency.title'), ...(await funds.transparency()) });
  });
  r.get('/transparency/ledger.jsonl', async (req, res) => {
    res.attachment('carebridge-ledger.jsonl').type('application/x-ndjson; charset=utf-8').set('Cache-Control', 'no-store');
    for await (const chunk of ledger.exportLines()) {
      if (!res.write(chunk)) await once(res, 'drain');
    }
    res.end();
  });

  const disclosuresPage = async (req: Request) => {
    const orgId = orgIdOf(req);
    const [workspace, target] = await Promise.all([funds.disclosureWorkspace(req.viewer, orgId), services.donations.donationTarget(orgId, null, { forFinance: true })]);
    return { title: req.t('funds.disclosures.title'), orgId, ...workspace, ...target, kinds: PUBLISHABLE_KINDS };
  };
  const disclosuresForm = form('funds/disclosures', disclosuresPage);
  r.get('/org/:orgId/disclosures', async (req, res) => {
    uuidParam(req, 'orgId');
    res.render('funds/disclosures', { ...(await disclosuresPage(req)), values: { disclosureKind: 'quarterly' } });
  });
  r.post('/org/:orgId/disclosures', disclosuresForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(disclosureSchema, req.body, req.t);
    await funds.publishDisclosure(req.viewer, orgId, input);
    flash(req, 'success', 'funds.disclosures.published');
    res.redirect(303, `/org/${orgId}/disclosures`);
  });
  r.post('/org/:orgId/disclosures/:disclosureId/correct', disclosuresForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(correctionSchema, req.body, req.t);
    await funds.correctDisclosure(req.viewer, orgId, uuidParam(req, 'disclosureId'), input);
    flash(req, 'success', 'funds.disclosures.corrected');
    res.redirect(303, `/org/${orgId}/disclosures`);
  });

  return r;
}
