import type { MailLocale } from './locale.js';
import type { MailPurpose } from './purposes.js';

/** A mail as written: a subject and paragraphs of plain text, with {{placeholders}}. */
export interface MailText {
  subject: string;
  paragraphs: string[];
}

// {{link}} stands alone in its paragraph: the HTML part makes it a link, the text part keeps it whole.
export const BUILTIN_TEMPLATES: Record<MailPurpose, Record<MailLocale, MailText>> = {
  verify_email: {
    en: {
      subject: 'Confirm your email address',
      paragraphs: ['Please confirm that {{email}} is your email address by opening this link:', '{{link}}', 'The link works once, for {{expiresIn}}. If you did not ask for it, ignore this mail.'],
    },
    ko: {
      subject: '이메일 주소를 확인해 주세요',
      paragraphs: ['{{email}} 주소가 본인의 이메일인지 확인하려면 아래 링크를 열어 주세요:', '{{link}}', '이 링크는 {{expiresIn}} 동안 한 번만 사용할 수 있습니다. 요청하지 않으셨다면 이 메일을 무시하세요.'],
    },
  },
  reset_password: {
    en: {
      subject: 'Reset your password',
      paragraphs: ['Someone asked to reset the password of the account for {{email}}. To choose a new password, open this link:', '{{link}}', 'The link works once, for {{expiresIn}}. If you did not ask for it, ignore this mail: your password stays as it is.'],
    },
    ko: {
      subject: '비밀번호 재설정',
      paragraphs: ['{{email}} 계정의 비밀번호 재설정이 요청되었습니다. 새 비밀번호를 정하려면 아래 링크를 열어 주세요:', '{{link}}', '이 링크는 {{expiresIn}} 동안 한 번만 사용할 수 있습니다. 요청하지 않으셨다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.'],
    },
  },
  change_email_new: {
    en: {
      subject: 'Confirm your new email address',
      paragraphs: ['To make {{email}} the email address of your account, open this link:', '{{link}}', 'The link works once, for {{expiresIn}}. If you did not ask for this, ignore this mail.'],
    },
    ko: {
      subject: '새 이메일 주소를 확인해 주세요',
      paragraphs: ['{{email}} 주소를 계정의 이메일로 바꾸려면 아래 링크를 열어 주세요:', '{{link}}', '이 링크는 {{expiresIn}} 동안 한 번만 사용할 수 있습니다. 요청하지 않으셨다면 이 메일을 무시하세요.'],
    },
  },
  change_email_current: {
    en: {
      subject: 'Confirm the change of your email address',
      paragraphs: ['Someone asked to change the email address of your account from {{email}} to {{newEmail}}. To allow it, open this link:', '{{link}}', 'The link works once, for {{expiresIn}}. If you did not ask for this, ignore this mail and change your password: the address stays as it is.'],
    },
    ko: {
      subject: '이메일 주소 변경을 확인해 주세요',
      paragraphs: ['계정의 이메일 주소를 {{email}}에서 {{newEmail}}(으)로 바꾸는 요청이 있었습니다. 허용하려면 아래 링크를 열어 주세요:', '{{link}}', '이 링크는 {{expiresIn}} 동안 한 번만 사용할 수 있습니다. 요청하지 않으셨다면 이 메일을 무시하고 비밀번호를 바꾸세요. 주소는 바뀌지 않습니다.'],
    },
  },
  password_changed: {
    en: {
      subject: 'Your password was changed',
      paragraphs: ['The password of the account for {{email}} was just changed, and every other session was signed out.', 'If this was not you, reset your password at once: {{appUrl}}'],
    },
    ko: {
      subject: '비밀번호가 변경되었습니다',
      paragraphs: ['{{email}} 계정의 비밀번호가 방금 변경되었고, 다른 모든 세션은 로그아웃되었습니다.', '본인이 아니라면 즉시 비밀번호를 재설정하세요: {{appUrl}}'],
    },
  },
  email_changed: {
    en: {
      subject: 'Your email address was changed',
      paragraphs: ['The email address of your account was changed from {{email}} to {{newEmail}}, and every other session was signed out.', 'If this was not you, contact us at once: {{appUrl}}'],
    },
    ko: {
      subject: '이메일 주소가 변경되었습니다',
      paragraphs: ['계정의 이메일 주소가 {{email}}에서 {{newEmail}}(으)로 변경되었고, 다른 모든 세션은 로그아웃되었습니다.', '본인이 아니라면 즉시 문의해 주세요: {{appUrl}}'],
    },
  },
  account_deleted: {
    en: {
      subject: 'Your account was deleted',
      paragraphs: ['The account for {{email}} was deleted, with its personal data. This address can be used for a new account.'],
    },
    ko: {
      subject: '계정이 삭제되었습니다',
      paragraphs: ['{{email}} 계정과 개인 정보가 삭제되었습니다. 이 주소로 새 계정을 만들 수 있습니다.'],
    },
  },
  mfa_enabled: {
    en: {
      subject: 'Two-step sign-in is on',
      paragraphs: ['An authenticator app was added to the account for {{email}}: signing in now asks for its code, and every other session was signed out.', 'If this was not you, reset your password at once: {{appUrl}}'],
    },
    ko: {
      subject: '2단계 로그인이 켜졌습니다',
      paragraphs: ['{{email}} 계정에 인증 앱이 추가되었습니다. 이제 로그인할 때 인증 코드를 묻고, 다른 모든 세션은 로그아웃되었습니다.', '본인이 아니라면 즉시 비밀번호를 재설정하세요: {{appUrl}}'],
    },
  },
  mfa_disabled: {
    en: {
      subject: 'Two-step sign-in is off',
      paragraphs: ['The authenticator app of the account for {{email}} was removed, with its recovery codes: signing in no longer asks for a code.', 'If this was not you, reset your password at once: {{appUrl}}'],
    },
    ko: {
      subject: '2단계 로그인이 꺼졌습니다',
      paragraphs: ['{{email}} 계정의 인증 앱과 복구 코드가 삭제되었습니다. 이제 로그인할 때 인증 코드를 묻지 않습니다.', '본인이 아니라면 즉시 비밀번호를 재설정하세요: {{appUrl}}'],
    },
  },
  mfa_reset: {
    en: {
      subject: 'Your second factors were removed',
      paragraphs: ['At your request, an administrator removed the authenticator app, recovery codes and passkeys of the account for {{email}}, and signed out every session.', 'Sign in with your password and set up two-step sign-in again: {{appUrl}}'],
    },
    ko: {
      subject: '2단계 인증 수단이 삭제되었습니다',
      paragraphs: ['요청에 따라 관리자가 {{email}} 계정의 인증 앱, 복구 코드, 패스키를 삭제하고 모든 세션을 로그아웃했습니다.', '비밀번호로 로그인한 뒤 2단계 로그인을 다시 설정하세요: {{appUrl}}'],
    },
  },
  passkey_added: {
    en: {
      subject: 'A passkey was added to your account',
      paragraphs: ['A passkey was added to the account for {{email}}: it can now sign in without a password.', 'If this was not you, remove it and reset your password at once: {{appUrl}}'],
    },
    ko: {
      subject: '계정에 패스키가 추가되었습니다',
      paragraphs: ['{{email}} 계정에 패스키가 추가되었습니다. 이제 비밀번호 없이 로그인할 수 있습니다.', '본인이 아니라면 즉시 패스키를 삭제하고 비밀번호를 재설정하세요: {{appUrl}}'],
    },
  },
};
