import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { AuditService } from '../audit/audit.service';
import { ForbiddenError, NotFoundError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { regionByCode, type Region } from '../lib/regions';
import { requireSignedIn, type Viewer } from '../lib/authorization';
import { chinaDate } from '../children/id-number.rules';
import { VISIT_INTERVAL_DAYS } from '../needs/needs.rules';
import { bars, coverageRate, drillDown } from './dashboard.rules';

/** One row of the dashboard: the figures of one region. */
export interface RegionFigures {
  code: string;
  name: string;
  remote: boolean | null;
  children: number;
  needsOpen: number;
  needsBeingHelped: number;
  needsMet: number;
  coverage: number | null;
  overdueVisits: number;
  neededFen: number;
}

export interface Dashboard {
  region: Region | null;
  path: Region[];
  rowLevel: string;
  rows: RegionFigures[];
  totals: RegionFigures;
  remoteVsCentral: { remote: RegionFigures; central: RegionFigures } | null;
  chart: ReturnType<typeof bars>;
}

export class DashboardService {
  constructor(private readonly deps: { db: Database; audit: AuditService; now?: () => Date }) {}

  /** Rule: government offices (verified) and platform admins read the dashboard. */
  private authorize(viewer: Viewer): void {
    const actor = requireSignedIn(viewer);
    const government = actor.memberships.some((m) => m.organizationKind === 'government' && m.organizationStatus === 'verified');
    if (!actor.isPlatformAdmin && !government) throw new ForbiddenError('dashboard');
  }

  /**
   * Figures per region one level below `regionCode` (the country when none), computed in SQL
   * from the records themselves so they reconcile exactly: children registered, needs open /
   * being helped / met, coverage, overdue visits, money needed — and, inside a county,
   * remote townships (乡/镇) against central ones (街道).
   */
  async figures(viewer: Viewer, regionCode?: string): Promise<Dashboard> {
    this.authorize(viewer);
    const region = regionCode ? regionByCode(regionCode) ?? null : null;
    if (regionCode && !region) throw new NotFoundError('region');
    const { rowLevel, prefix, filterDigits } = drillDown(region?.code, region?.level);
    const today = chinaDate(this.deps.now?.() ?? new Date());
    const cutoff = new Date(Date.parse(`${today}T00:00:00Z`) - VISIT_INTERVAL_DAYS * 86_400_000).toISOString().slice(0, 10);
    // Every child has a county; townships come from the village code when the record has one.
    const place = sql`coalesce(c.township_code, c.county_code)`;
    const filter = filterDigits ? sql`and left(${place}, ${sql.raw(String(filterDigits))}) = ${region!.code.slice(0, filterDigits)}` : sql``;
    const key = sql.raw(`left(coalesce(c.township_code, c.county_code), ${prefix})`);
    const result = (await this.deps.db.execute(sql`
      select ${key} as code,
        count(distinct c.id)::int as children,
        count(distinct c.id) filter (where c.last_visit_on is null or c.last_visit_on < ${cutoff}::date)::int as overdue_visits,
        count(n.id) filter (where n.status in ('published','matched'))::int as needs_open,
        count(n.id) filter (where n.status = 'being_helped')::int as needs_being_helped,
        count(n.id) filter (where n.status = 'met')::int as needs_met,
        coalesce(sum(n.amount_fen) filter (where n.status in ('published','matched')), 0)::bigint as needed_fen
      from children c
      left join needs n on n.child_id = c.id
      where c.archived_at is null ${filter}
      group by 1
      order by 1`)) as unknown as { rows: Array<Record<string, unknown>> };
    const rows: RegionFigures[] = result.rows.map((r) => {
      const code = String(r.code).length < 6 ? String(r.code).padEnd(6, '0') : String(r.code);
      const info = regionByCode(code);
      const figures = {
        code,
        name: info?.name ?? code,
        remote: rowLevel === 'township' && info?.level === 'township' ? /[乡镇]$/.test(info.name) : null,
        children: Number(r.children),
        needsOpen: Number(r.needs_open),
        needsBeingHelped: Number(r.needs_being_helped),
        needsMet: Number(r.needs_met),
        overdueVisits: Number(r.overdue_visits),
        neededFen: Number(r.needed_fen),
        coverage: null as number | null,
      };
      figures.coverage = coverageRate({ open: figures.needsOpen, beingHelped: figures.needsBeingHelped, met: figures.needsMet });
      return figures;
    });
    const sum = (list: RegionFigures[], code: string, name: string): RegionFigures => {
      const t = list.reduce(
        (a, r) => ({ ...a, children: a.children + r.children, needsOpen: a.needsOpen + r.needsOpen, needsBeingHelped: a.needsBeingHelped + r.needsBeingHelped, needsMet: a.needsMet + r.needsMet, overdueVisits: a.overdueVisits + r.overdueVisits, neededFen: a.neededFen + r.neededFen }),
        { code, name, remote: null, children: 0, needsOpen: 0, needsBeingHelped: 0, needsMet: 0, overdueVisits: 0, neededFen: 0, coverage: null } as RegionFigures,
      );
      return { ...t, coverage: coverageRate({ open: t.needsOpen, beingHelped: t.needsBeingHelped, met: t.needsMet }) };
    };
    const totals = sum(rows, region?.code ?? '', region?.name ?? '');
    const path: Region[] = [];
    for (let r = region; r; r = r.parentCode ? regionByCode(r.parentCode) ?? null : null) path.unshift(r);
    return {
      region,
      path,
      rowLevel,
      rows,
      totals,
      remoteVsCentral: rowLevel === 'township' ? { remote: sum(rows.filter((r) => r.remote), 'remote', ''), central: sum(rows.filter((r) => r.remote === false), 'central', '') } : null,
      chart: bars(rows.map((r) => ({ label: r.name, value: r.coverage ?? 0 }))),
    };
  }

  /** The same figures as an .xlsx workbook, headed in the viewer's language; the export is audited. */
  async exportXlsx(viewer: Viewer, regionCode: string | undefined, t: Translate): Promise<Buffer> {
    const data = await this.figures(viewer, regionCode);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet(t('dashboard.title'));
    ws.addRow([`${t('dashboard.title')} · ${data.path.map((r) => r.name).join(' / ') || t('dashboard.country')}`]);
    ws.addRow([t('dashboard.col.region'), t('dashboard.col.children'), t('dashboard.col.open'), t('dashboard.col.being_helped'), t('dashboard.col.met'), t('dashboard.col.coverage'), t('dashboard.col.overdue_visits'), t('dashboard.col.needed')]);
    for (const r of [...data.rows, { ...data.totals, name: t('dashboard.total') }]) {
      ws.addRow([r.name, r.children, r.needsOpen, r.needsBeingHelped, r.needsMet, r.coverage === null ? '' : r.coverage / 100, r.overdueVisits, r.neededFen / 100]);
    }
    ws.getColumn(6).numFmt = '0.0%';
    ws.getColumn(8).numFmt = '#,##0.00';
    ws.getColumn(1).width = 24;
    const actor = requireSignedIn(viewer);
    await this.deps.audit.record({ actorUserId: actor.userId, action: 'dashboard.export', subjectType: 'region', subjectId: regionCode ?? null });
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
}
