import { type FormEvent, useEffect, useState } from 'react';
import type { ExplorerSession, SignInOutcome } from './session';

/**
 * Sign up or in from the explorer: the tokens stay in this tab and go on every request as
 * `Authorization: Bearer …`. Shows the gateway's loginState, and the development mailbox.
 */
export function AuthPanel({ session, mailbox }: { session: ExplorerSession; mailbox: string | null }) {
  const [signedIn, setSignedIn] = useState(session.current);
  const [loginState, setLoginState] = useState('…');
  const [message, setMessage] = useState<string | null>(null);
  const [form, setForm] = useState({ email: '', password: '', nickname: '', code: '' });
  const [challengeId, setChallengeId] = useState<string | null>(null);

  useEffect(() => {
    const update = () => {
      setSignedIn(session.current);
      void session.loginState().then(setLoginState, () => setLoginState('UNREACHABLE'));
    };
    update();
    return session.subscribe(update);
  }, [session]);

  const show = (outcome: SignInOutcome) => {
    setChallengeId(outcome && 'challengeId' in outcome ? outcome.challengeId : null);
    setMessage(outcome && 'message' in outcome ? outcome.message : outcome ? 'Enter the code from your authenticator app (or a recovery code).' : null);
  };
  const submit = (kind: 'signUp' | 'signIn') => async (event?: FormEvent) => {
    event?.preventDefault();
    const { email, password, nickname } = form;
    show(await session.signIn(kind, kind === 'signUp' ? { email, password, nickname } : { email, password }));
  };
  const verify = async (event: FormEvent) => {
    event.preventDefault();
    show(await session.completeMfa(challengeId!, form.code));
  };

  return (
    <header className="auth-panel">
      <span className="brand">auth-gateway explorer</span>
      {signedIn ? (
        <>
          <span data-testid="signed-in">Signed in as {signedIn.email}</span>
          <button type="button" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </>
      ) : challengeId ? (
        <form onSubmit={(event) => void verify(event)}>
          <input aria-label="Code" placeholder="6-digit code" autoComplete="one-time-code" value={form.code} onChange={(e) => setForm({ ...form, code: e.target.value })} />
          <button type="submit">Verify</button>
        </form>
      ) : (
        <form onSubmit={(event) => void submit('signIn')(event)}>
          <input aria-label="Email" placeholder="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          <input aria-label="Password" placeholder="password" type="password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
          <input aria-label="Nickname" placeholder="nickname (sign-up)" value={form.nickname} onChange={(e) => setForm({ ...form, nickname: e.target.value })} />
          <button type="submit">Sign in</button>
          <button type="button" onClick={() => void submit('signUp')()}>
            Sign up
          </button>
        </form>
      )}
      {message && <span role="alert">{message}</span>}
      {mailbox && (
        <a href={mailbox} target="_blank" rel="noreferrer">
          Dev mailbox
        </a>
      )}
      <span className="state" data-testid="login-state">
        loginState: {loginState}
      </span>
    </header>
  );
}
