import path from 'node:path';
import { ConfigError, loadConfig } from '../../../server/config';

describe('loadConfig', () => {
  it('gives safe defaults for a bare development start', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({ env: 'development', port: 3000, dataDir: path.resolve('/srv/app/data'), databaseUrl: undefined, seedDemo: true, cookieSecure: false, kAnonymity: 5 });
  });

  it('names every bad variable and what it got', () => {
    expect.assertions(4);
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain('PORT must be a number (got "abc")');
      expect(message).toContain('DATABASE_URL must start with postgres:// or postgresql://');
      expect(message).toContain('LOG_LEVEL must be debug, info, warn, error or silent (got "loud")');
    }
  });

  it('requires a session secret in production and turns secure cookies on', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is required/);
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) });
    expect(config.cookieSecure).toBe(true);
  });

  it('reads SEED_DEMO=false and DATA_DIR', () => {
    const config = loadConfig({ SEED_DEMO: 'false', DATA_DIR: '/var/lib/carebridge' });
    expect(config.seedDemo).toBe(false);
    expect(config.dataDir).toBe('/var/lib/carebridge');
  });
});
