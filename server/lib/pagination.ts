/** Page numbers from a query string: a whole number from 1, anything else is page 1. */
export const pageFromQuery = (q: unknown): number => Math.max(1, Math.min(100_000, Number.parseInt(String(q ?? '1'), 10) || 1));

export interface Pagination {
  page: number;
  pageCount: number;
  prev?: string;
  next?: string;
}

/** Links for the pagination partial, keeping the other query parameters (filters) as they are. */
export function paginate(opts: { page: number; pageSize: number; total: number; baseUrl: string; query?: Record<string, unknown> }): Pagination {
  const pageCount = Math.max(1, Math.ceil(opts.total / opts.pageSize));
  const link = (page: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (k !== 'page' && typeof v === 'string' && v !== '') params.set(k, v);
    params.set('page', String(page));
    return `${opts.baseUrl}?${params.toString()}`;
  };
  return { page: opts.page, pageCount, prev: opts.page > 1 ? link(opts.page - 1) : undefined, next: opts.page < pageCount ? link(opts.page + 1) : undefined };
}
