import path from 'node:path';
import { z } from 'zod';

/** Thrown when the environment cannot make a valid Config; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`CareBridge configuration error:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

function envSchema(cwd: string) {
  return z
    .object({
      NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'must be development, production or test' }).default('development'),
      PORT: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0, 'must be between 0 and 65535').max(65535, 'must be between 0 and 65535').default(3000),
      HOST: z.string().min(1).default('0.0.0.0'),
      BASE_URL: z.url({ message: 'must be a URL such as https://carebridge.example.cn' }).optional(),
      DATABASE_URL: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
        .optional(),
      DATA_DIR: z.string().min(1).default('data'),
      SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
      DATA_KEY: z.string().optional(),
      SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
      MAIL_FROM: z.string().default('CareBridge 关爱桥 <no-reply@carebridge.local>'),
      SEED_DEMO: bool(true),
      COOKIE_SECURE: bool(false).optional(),
      TRUST_PROXY: z.string().optional(),
      LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent'], { message: 'must be debug, info, warn, error or silent' }).default('info'),
      BACKUP_INTERVAL_HOURS: z.coerce.number({ message: 'must be a number' }).min(0).default(6),
      BACKUP_KEEP: z.coerce.number({ message: 'must be a number' }).int().min(1).default(5),
      K_ANONYMITY: z.coerce.number({ message: 'must be a number' }).int().min(2, 'must be at least 2').default(5),
      MATCHING_INTERVAL_MINUTES: z.coerce.number({ message: 'must be a number' }).min(0, 'must be 0 (off) or more').default(60),
      STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_/, 'must be a Stripe secret key (sk_… or rk_…)').optional(),
      STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_/, 'must be a Stripe webhook signing secret (whsec_…)').optional(),
      STRIPE_API_BASE: z.url({ message: 'must be a URL such as http://127.0.0.1:12111' }).optional(),
    })
    .transform((env) => ({
      env: env.NODE_ENV,
      port: env.PORT,
      host: env.HOST,
      baseUrl: env.BASE_URL ?? `http://localhost:${env.PORT}`,
      databaseUrl: env.DATABASE_URL,
      dataDir: path.resolve(cwd, env.DATA_DIR),
      sessionSecret: env.SESSION_SECRET,
      dataKey: env.DATA_KEY,
      smtpUrl: env.SMTP_URL,
      mailFrom: env.MAIL_FROM,
      seedDemo: env.SEED_DEMO,
      // Secure cookies need HTTPS; production is assumed to sit behind TLS.
      cookieSecure: env.COOKIE_SECURE ?? env.NODE_ENV === 'production',
      trustProxy: env.TRUST_PROXY,
      logLevel: env.LOG_LEVEL,
      backupIntervalHours: env.BACKUP_INTERVAL_HOURS,
      backupKeep: env.BACKUP_KEEP,
      kAnonymity: env.K_ANONYMITY,
      matchingIntervalMinutes: env.MATCHING_INTERVAL_MINUTES,
      // Without both Stripe keys gifts are recorded as pledges; STRIPE_API_BASE points the SDK at a stand-in (tests).
      stripeSecretKey: env.STRIPE_SECRET_KEY,
      stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET,
      stripeApiBase: env.STRIPE_API_BASE,
    }));
}

export type Config = z.output<ReturnType<typeof envSchema>>;

/** Parses the environment into the one typed Config; a bad variable stops start-up with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema(cwd).safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const got = env[name];
        return `${name} ${issue.message}${got !== undefined ? ` (got "${got}")` : ''}`;
      }),
    );
  }
  const config = result.data;
  const missing: string[] = [];
  if (config.env === 'production' && !config.sessionSecret) missing.push('SESSION_SECRET is required when NODE_ENV=production (at least 32 random characters)');
  // Each node would otherwise make its own key file and could not read the others' records.
  if (config.env === 'production' && config.databaseUrl && !config.dataKey) missing.push('DATA_KEY is required when NODE_ENV=production with DATABASE_URL (32 bytes, base64 or 64 hex characters)');
  if (missing.length) throw new ConfigError(missing);
  return config;
}

/** A Config for tests and scripts: defaults plus overrides, never read from the real environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false' }), ...overrides };
}
