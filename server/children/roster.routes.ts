import { Router, type Request, type RequestHandler } from 'express';
import multer from 'multer';
import type { Services } from '../services';
import { ValidationError } from '../lib/errors';
import { form, uuidParam } from '../lib/http';
import { paginate, pageFromQuery } from '../lib/pagination';
import { parseInput } from '../lib/validate';
import { exportSchema } from './children.schemas';
import { ROSTER_LIMITS } from './roster-file';
import { rosterMessageKey } from './roster.rules';
import { describeRosterError } from './roster.service';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const UPLOAD_PATH = /^\/org\/[^/]+\/roster\/imports\/?$/;

/**
 * Parses the roster upload (multipart, one file field `file`, at most 10 MB, kept in memory).
 * Mounted in app.ts BEFORE the CSRF check, because that check reads `_csrf` from the parsed
 * body and express parses only urlencoded and JSON bodies itself; this way the upload form
 * carries its token in a hidden field like every other form, never in the URL. Only signed-in
 * users' uploads are parsed: an anonymous one fails the CSRF check without being buffered.
 */
export function rosterUpload(): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: ROSTER_LIMITS.maxBytes, files: 1, fields: 5, parts: 6 },
    // Browsers send the file's name as raw UTF-8; latin1 would garble 花名册.xlsx.
    defParamCharset: 'utf8',
  }).single('file');
  return (req, res, next) => {
    if (req.method !== 'POST' || !UPLOAD_PATH.test(req.path) || !req.viewer) return next();
    parse(req, res, (err: unknown) => {
      if (!err) return next();
      // A broken multipart body (cut short, no boundary) is bad input like a broken limit, not a server fault.
      const message =
        err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE'
          ? req.t(rosterMessageKey('file.too_large'), { maxMb: ROSTER_LIMITS.maxBytes / 1024 / 1024 })
          : req.t('roster_import.file.bad_upload');
      next(new ValidationError({ file: message }));
    });
  };
}

export function rosterRouter(services: Services) {
  const r = Router();
  const { roster } = services;

  const rosterPage = async (req: Request, orgId: string) => ({ title: req.t('roster_import.title'), orgId, ...(await roster.recentImports(req.viewer, orgId)) });
  const rosterForm = form('children/roster', (req) => rosterPage(req, uuidParam(req, 'orgId')));

  r.get('/org/:orgId/roster', async (req, res) => {
    res.render('children/roster', await rosterPage(req, uuidParam(req, 'orgId')));
  });

  r.get('/org/:orgId/roster/template.xlsx', async (req, res) => {
    const data = await roster.template(req.viewer, uuidParam(req, 'orgId'));
    res.attachment('花名册导入模板.xlsx').type(XLSX_TYPE).send(data);
  });

  r.post('/org/:orgId/roster/imports', rosterForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const file = req.file ? { buffer: req.file.buffer, filename: req.file.originalname } : null;
    const importId = await roster.startImport(req.viewer, orgId, file, req.t);
    res.redirect(303, `/org/${orgId}/roster/imports/${importId}`);
  });

  r.get('/org/:orgId/roster/imports/:importId', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const status = await roster.importStatus(req.viewer, orgId, uuidParam(req, 'importId'), { page: pageFromQuery(req.query.page) });
    if (req.accepts(['html', 'json']) === 'json') {
      const { errors: _errors, errorPage: _page, ...progress } = status;
      return res.json(progress);
    }
    res.render('children/roster-import', {
      title: req.t('roster_import.import.title'),
      orgId,
      ...status,
      errors: status.errors.map((e) => describeRosterError(e, req.t)),
      pagination: paginate({ ...status.errorPage, baseUrl: `/org/${orgId}/roster/imports/${status.id}` }),
    });
  });

  r.get('/org/:orgId/roster/imports/:importId/errors.xlsx', async (req, res) => {
    const data = await roster.errorReport(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'importId'), req.t);
    res.attachment(req.t('roster_import.report.filename')).type(XLSX_TYPE).send(data);
  });

  r.post('/org/:orgId/roster/export', rosterForm, async (req, res) => {
    const input = parseInput(exportSchema, req.body, req.t);
    const { data, filename } = await roster.exportRoster(req.viewer, uuidParam(req, 'orgId'), input.password, input.reason, req.t);
    res.attachment(filename).type(XLSX_TYPE).set('Cache-Control', 'no-store').send(data);
  });

  return r;
}
