/**
 * A browser-like client over real HTTP (fetch) for tests that drive a running process: keeps the
 * cookies it is given and fills the CSRF field from the last page it loaded. Redirects are not
 * followed, so a test sees the 303 that says a form was accepted.
 */
export class WebClient {
  private cookies = new Map<string, string>();
  private csrf?: string;
  constructor(readonly base: string) {}

  static async logIn(base: string, email: string, password: string): Promise<WebClient> {
    const client = new WebClient(base);
    const res = await client.post('/login', { email, password });
    if (res.status !== 303) throw new Error(`log-in as ${email} failed: ${res.status}`);
    return client;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }

  async get(path: string): Promise<Response> {
    const res = await fetch(this.base + path, { redirect: 'manual', headers: { cookie: this.cookieHeader } });
    this.remember(res);
    return res;
  }

  /** The page's HTML; remembers its CSRF token. */
  async text(path: string): Promise<string> {
    const html = await (await this.get(path)).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
    return html;
  }

  /** The body of the last answer to a post (its error messages, when a form was refused). */
  lastBody = '';

  /** Posts a form with the CSRF token (loading the log-in page first when none is known); with `files`, as multipart. */
  async post(path: string, form: Record<string, string | string[]> = {}, files: Array<{ field: string; name: string; bytes: Uint8Array }> = []): Promise<Response> {
    if (!this.csrf) await this.text('/login');
    const entries: Array<[string, string]> = [['_csrf', this.csrf!]];
    for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) entries.push([k, one]);
    let body: URLSearchParams | FormData;
    if (files.length) {
      const data = new FormData();
      for (const [k, v] of entries) data.append(k, v);
      for (const f of files) data.append(f.field, new Blob([new Uint8Array(f.bytes)]), f.name);
      body = data;
    } else body = new URLSearchParams(entries);
    const res = await fetch(this.base + path, { method: 'POST', redirect: 'manual', headers: { cookie: this.cookieHeader }, body });
    this.remember(res);
    this.lastBody = await res.text();
    return res;
  }
}
