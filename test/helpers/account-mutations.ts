// The account mutations that mail a link or act on one, as the mail and account tests send them.
// A test that selects other fields on purpose keeps its own operation string.

/** A password the tests change or reset to (accounts.ts's PASSWORD is the one they start with). */
export const NEW_PASSWORD = 'a brand new passphrase';

/** Asks for a password-reset link for `$email` (answered true for any address). */
export const REQUEST_PASSWORD_RESET = 'mutation($email: String!) { requestPasswordReset(email: $email) }';

/** Sets `$password` with a reset link's `$token`. */
export const RESET_PASSWORD = 'mutation($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }';

/** The bearer's password from `$current` to `$password`; selects only the new access token. */
export const CHANGE_PASSWORD = 'mutation($current: String, $password: String!) { changePassword(currentPassword: $current, newPassword: $password) { accessToken } }';

/** Asks for a link verifying the bearer's email. */
export const REQUEST_EMAIL_VERIFICATION = 'mutation { requestEmailVerification }';

/** Uses an email-verification link's `$token`. */
export const VERIFY_EMAIL = 'mutation($token: String!) { verifyEmail(token: $token) }';

/** Asks to change the bearer's email to `$newEmail`, confirmed by `$password`. */
export const REQUEST_EMAIL_CHANGE = 'mutation($newEmail: String!, $password: String) { requestEmailChange(newEmail: $newEmail, password: $password) }';

/** Uses an email-change link's `$token`. */
export const CONFIRM_EMAIL_CHANGE = 'mutation($token: String!) { confirmEmailChange(token: $token) }';

/** Deletes the bearer's account, confirmed by `$password` (none for an account without one). */
export const DELETE_ACCOUNT = 'mutation($password: String) { deleteAccount(password: $password) }';

/** The bearer's own account, as `Me` reads it. */
export const ME = '{ me { id email emailVerified pendingEmail hasPassword } }';

/** What `ME` answers. */
export interface Me {
  id: string;
  email: string | null;
  emailVerified: boolean;
  pendingEmail: string | null;
  hasPassword: boolean;
}
