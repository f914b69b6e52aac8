import crypto from 'node:crypto';
import { memberships, organizations, users } from '../../server/db/schema';
import type { Database } from '../../server/db/client';
import type { OrgKind, OrgRole } from '../../server/lib/authorization';
import { hashPassword } from '../../server/lib/passwords';
import { creditCodeCheckChar } from '../../server/organizations/organizations.rules';

export const PASSWORD = 'correct horse battery';
let passwordHash: Promise<string> | undefined;
const uniq = () => crypto.randomBytes(4).toString('hex');

/** A valid, unique 统一社会信用代码. */
export function creditCode(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let body = '91520324';
  for (let i = 0; i < 9; i++) body += alphabet[crypto.randomInt(alphabet.length)];
  return body + creditCodeCheckChar(body);
}

export async function makeUser(db: Database, over: Partial<typeof users.$inferInsert> = {}) {
  const [user] = await db
    .insert(users)
    .values({ email: `user-${uniq()}@example.cn`, displayName: '测试用户', passwordHash: await (passwordHash ??= hashPassword(PASSWORD)), ...over })
    .returning();
  return user;
}

export async function makeOrg(db: Database, over: { kind?: OrgKind; status?: 'pending' | 'verified' | 'rejected'; name?: string } = {}) {
  const [org] = await db
    .insert(organizations)
    .values({ name: over.name ?? `测试机构-${uniq()}`, kind: over.kind ?? 'charity', creditCode: creditCode(), status: over.status ?? 'verified' })
    .returning();
  return org;
}

/** A user holding `roles` in `org`. */
export async function makeMember(db: Database, orgId: string, roles: OrgRole[], over: Partial<typeof users.$inferInsert> = {}) {
  const user = await makeUser(db, over);
  await db.insert(memberships).values({ organizationId: orgId, userId: user.id, roles });
  return user;
}
