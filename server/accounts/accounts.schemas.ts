import { z } from 'zod';
import { PASSWORD_MAX } from './accounts.rules';

const email = z.string().trim().min(1).max(254).pipe(z.email());
const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true || v === '1', z.boolean());

export const signUpSchema = z.object({
  email,
  displayName: z.string().trim().min(1).max(60),
  password: z.string().min(1).max(PASSWORD_MAX),
  asVolunteer: checkbox.optional().default(false),
  asDonor: checkbox.optional().default(false),
});
export type SignUpInput = z.infer<typeof signUpSchema>;

export const logInSchema = z.object({
  email,
  password: z.string().min(1).max(PASSWORD_MAX),
});

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1).max(PASSWORD_MAX),
  newPassword: z.string().min(1).max(PASSWORD_MAX),
});

export const forgotPasswordSchema = z.object({ email });

export const resetPasswordSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/),
  newPassword: z.string().min(1).max(PASSWORD_MAX),
});

export const profileSchema = z.object({
  displayName: z.string().trim().min(1).max(60),
  asVolunteer: checkbox.optional().default(false),
  asDonor: checkbox.optional().default(false),
});
