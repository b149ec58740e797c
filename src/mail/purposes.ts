/** What a mail is for: a link mail carries {{link}}, a notice does not. */
export const MAIL_PURPOSES = ['verify_email', 'reset_password', 'change_email_new', 'change_email_current', 'password_changed', 'email_changed', 'account_deleted', 'mfa_enabled', 'mfa_disabled', 'mfa_reset', 'passkey_added'] as const;
export type MailPurpose = (typeof MAIL_PURPOSES)[number];
