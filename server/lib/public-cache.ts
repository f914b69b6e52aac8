/**
 * A few seconds' memory of public projections (the needs board, a project's public page), kept in
 * this process. Why: under load every anonymous visitor asks the same questions, and the board
 * alone costs four queries a view; answering repeats from memory is what lets the public pages
 * keep up with traffic. Only what anyone may see is put here — `PublicNeedView`s, region counts,
 * `PublicProject` with its public funding figures, and the HTML of those pages as an anonymous
 * visitor sees them (`public-page-cache.ts`) — never anything per viewer: the CSRF token and the
 * signed-in header are rendered per request from `res.locals`, and a page holding them is not kept.
 *
 * Correctness does not rest on the TTL: the services that change a public figure (a need
 * published, withdrawn or moved along by matching, a gift received, a project's status or terms
 * changed) call `invalidate()`, so the next view reads the database. A load that was running when
 * an invalidation happened is answered but not kept, so it cannot put the old figure back. The
 * TTL only bounds what another process (a second server on the same PostgreSQL) could change.
 */
/** How long after a change made inside a transaction nothing is kept: longer than such a transaction takes to commit. */
const IN_TRANSACTION_HOLD_MS = 2_000;

export class PublicCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();
  private generation = 0;
  private noStoreUntil = 0;

  constructor(private readonly ttlMs = 3_000, private readonly now: () => number = Date.now, private readonly maxEntries = 1_000) {}

  /** The value under `key` if loaded less than the TTL ago and not invalidated since; else loads it once for all concurrent askers. */
  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const generation = this.generation;
    const value = load();
    if (t < this.noStoreUntil) return value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { at: t, value });
    value.then(
      () => {
        // Invalidated while loading: the answer may predate the change, so it is not kept.
        if (generation !== this.generation && this.entries.get(key)?.value === value) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key)?.value === value) this.entries.delete(key);
      },
    );
    return value;
  }

  /**
   * Forgets everything: call once a change to a public figure has committed. Inside a transaction
   * the caller cannot wait for the commit, so it passes `holdMs`: for that long nothing is kept,
   * and a view read before the commit cannot be remembered past it.
   */
  invalidate(holdMs = 0): void {
    this.generation++;
    this.entries.clear();
    if (holdMs > 0) this.noStoreUntil = Math.max(this.noStoreUntil, this.now() + holdMs);
  }

  /** A change to a public figure is being made inside a transaction that commits later: forget now, and keep nothing until it has. */
  changing(): void {
    this.invalidate(IN_TRANSACTION_HOLD_MS);
  }
}

/** `load()` through the cache when there is one (in production), straight to the database otherwise. */
export function throughCache<T>(cache: PublicCache | undefined, key: string, load: () => Promise<T>): Promise<T> {
  return cache ? cache.get(key, load) : load();
}
