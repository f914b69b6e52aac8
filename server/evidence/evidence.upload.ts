import type { RequestHandler } from 'express';
import multer from 'multer';
import { ValidationError } from '../lib/errors';
import { EVIDENCE_LIMITS } from './evidence.rules';
import type { UploadedFile } from './evidence.service';

/** The forms that carry evidence files: an offline gift and an expenditure. */
const UPLOAD_PATHS = [/^\/org\/[^/]+\/gifts\/?$/, /^\/org\/[^/]+\/expenditures\/?$/];

/**
 * Parses evidence uploads (multipart, field `evidence`, up to 5 files of 10 MB, in memory).
 * Mounted in app.ts before the CSRF check, as the roster upload is, so the form's `_csrf` field
 * is read from the parsed body; only signed-in users' uploads are parsed at all. Other forms
 * that carry files of the same kinds (a guardian's consent form) pass their paths, field and count.
 */
export function evidenceUpload(opts: { paths: RegExp[]; field: string; maxFiles: number } = { paths: UPLOAD_PATHS, field: 'evidence', maxFiles: EVIDENCE_LIMITS.maxFiles }): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
    // A spending's form carries one field per help record it served (up to 50), so fields are many
    // but small: 64 KB each is far above the longest text these forms take (4 000 characters).
    limits: { fileSize: EVIDENCE_LIMITS.maxBytes, files: opts.maxFiles, fields: 80, fieldSize: 64 * 1024, parts: 90 },
    defParamCharset: 'utf8',
  }).array(opts.field, opts.maxFiles);
  return (req, res, next) => {
    if (req.method !== 'POST' || !req.viewer || !opts.paths.some((p) => p.test(req.path))) return next();
    if (!req.is('multipart/form-data')) return next();
    parse(req, res, (err: unknown) => {
      if (!err) return next();
      // A broken multipart body (cut short, no boundary) is bad input like a broken limit, not a server fault.
      const limit = err instanceof multer.MulterError ? err : undefined;
      const key = limit?.code === 'LIMIT_FILE_SIZE' ? 'evidence.too_large' : limit?.code === 'LIMIT_FILE_COUNT' || limit?.code === 'LIMIT_UNEXPECTED_FILE' ? 'evidence.too_many' : 'evidence.bad_upload';
      const message = req.t(key, { name: limit?.field ?? '', maxMb: EVIDENCE_LIMITS.maxBytes / 1024 / 1024, max: opts.maxFiles });
      next(new ValidationError({ [opts.field]: req.t('validation.field', { label: req.t(`fields.${opts.field}`), message }) }));
    });
  };
}

/** The files a parsed request carries, as services take them. */
export function uploadedFiles(files: unknown): UploadedFile[] {
  return Array.isArray(files) ? (files as Express.Multer.File[]).map((f) => ({ buffer: f.buffer, filename: f.originalname })) : [];
}
