import { useState } from 'react';
import Parse, { readable } from '../parse';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { ErrorText } from './common';

function nextPath(url: URL) {
  const next = url.searchParams.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LogIn() {
  const url = useLocation();
  const { setUser, announce } = useSession();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setError('');
    try {
      const user = await Parse.User.logIn(String(data.get('username')).trim(), String(data.get('password')));
      setUser(user);
      announce(`Welcome back, ${user.getUsername()}.`);
      navigate(nextPath(url));
    } catch (err) {
      setError(readable(err, 'login'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <h1>Log in</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label>
          Username
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ErrorText id="login-error">{error}</ErrorText>
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link> · <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}

type FieldErrors = Partial<Record<'username' | 'email' | 'password' | 'form', string>>;

export function SignUp() {
  const { setUser, announce } = useSession();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const username = String(data.get('username')).trim();
    const email = String(data.get('email')).trim();
    const password = String(data.get('password'));
    const role = String(data.get('role'));
    const found: FieldErrors = {};
    if (password.length < 8) found.password = 'Use at least 8 characters.';
    else if (password === username) found.password = 'Your password cannot be your username.';
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const user = new Parse.User();
      user.set({ username, email, password, role });
      await user.signUp();
      // The sign-up answer leaves out emailVerified; the stored user has it.
      await user.fetch().catch(() => undefined);
      setUser(user);
      announce(`Welcome, ${username}. Check your email to verify your address.`);
      navigate(role === 'artisan' ? '/studio' : '/');
    } catch (err) {
      const code = (err as Parse.Error).code;
      const message = readable(err, 'signup');
      if (code === 202) setErrors({ username: message });
      else if (code === 203 || code === 125) setErrors({ email: message });
      else if (code === 142 && /password/i.test(message)) setErrors({ password: message });
      else setErrors({ form: message });
    } finally {
      setBusy(false);
    }
  }

  const field = (name: keyof FieldErrors) =>
    errors[name] ? { 'aria-invalid': true, 'aria-describedby': `signup-${name}-error` } : {};

  return (
    <section className="narrow">
      <h1>Sign up</h1>
      <form onSubmit={submit} noValidate>
        <label>
          Username
          <input name="username" autoComplete="username" required {...field('username')} />
        </label>
        <ErrorText id="signup-username-error">{errors.username}</ErrorText>
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required {...field('email')} />
        </label>
        <ErrorText id="signup-email-error">{errors.email}</ErrorText>
        <label>
          Password
          <input name="password" type="password" autoComplete="new-password" required {...field('password')} />
        </label>
        <p className="hint">At least 8 characters, not your username.</p>
        <ErrorText id="signup-password-error">{errors.password}</ErrorText>
        <fieldset>
          <legend>I want to</legend>
          <label className="check">
            <input type="radio" name="role" value="buyer" defaultChecked /> Buy
          </label>
          <label className="check">
            <input type="radio" name="role" value="artisan" /> Sell my work (artisan)
          </label>
        </fieldset>
        <ErrorText>{errors.form}</ErrorText>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
    </section>
  );
}

export function ForgotPassword() {
  const [sent, setSent] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get('email')).trim();
    setBusy(true);
    setError('');
    try {
      await Parse.User.requestPasswordReset(email);
      setSent(email);
    } catch (err) {
      setError(readable(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="narrow">
      <h1>Forgot your password?</h1>
      {sent ? (
        <p role="status">
          If an account uses {sent}, a link to choose a new password is on its way. It works once, for an hour.
        </p>
      ) : (
        <form onSubmit={submit}>
          <label>
            Email
            <input name="email" type="email" autoComplete="email" required />
          </label>
          <ErrorText>{error}</ErrorText>
          <button type="submit" disabled={busy}>
            Send me a reset link
          </button>
        </form>
      )}
      <p>
        <Link to="/login">Back to log in</Link>
      </p>
    </section>
  );
}

/** "Verify your email" for a signed-in user whose address is not verified yet. */
export function VerifyEmailBanner() {
  const { user, refresh } = useSession();
  const [state, setState] = useState<'idle' | 'sent' | string>('idle');
  if (!user || user.get('emailVerified') !== false || !user.get('email')) return null;
  const email = user.get('email') as string;
  return (
    <aside className="banner" aria-label="Verify your email">
      <p>
        <strong>Verify your email.</strong> We sent a link to {email}.{' '}
        {state === 'sent' ? (
          <span role="status">A new link is on its way.</span>
        ) : (
          <>
            <button
              type="button"
              className="link"
              onClick={async () => {
                try {
                  await Parse.User.requestEmailVerification(email);
                  setState('sent');
                } catch (e) {
                  setState(readable(e));
                }
              }}
            >
              Send the link again
            </button>{' '}
            <button type="button" className="link" onClick={() => void refresh()}>
              I have verified it
            </button>
            {state !== 'idle' && <span role="alert"> {state}</span>}
          </>
        )}
      </p>
    </aside>
  );
}
