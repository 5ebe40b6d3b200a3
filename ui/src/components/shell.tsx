import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { api, ApiError, SIGNED_OUT_EVENT, tokenStore } from '../api-client';
import type { SessionView } from '../types';

const SessionContext = createContext<SessionView | null>(null);

/** The signed-in session; pages call it below `<Shell>`. */
export function useSession(): SessionView {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <Shell>');
  return session;
}

/** True when the token may press buttons that change things (operate or admin). */
export const canOperate = (s: SessionView) => s.role === 'operate' || s.role === 'admin';
export const canAdmin = (s: SessionView) => s.role === 'admin';

type Page = 'dashboard' | 'scheduler';

/** Header, navigation and the sign-in gate shared by both pages. */
export function Shell({ page, children }: { page: Page; children: ComponentChildren }) {
  const [session, setSession] = useState<SessionView | null>(null);
  const [checking, setChecking] = useState(Boolean(tokenStore.get()));

  useEffect(() => {
    if (tokenStore.get()) {
      api<SessionView>('/api/session')
        .then(setSession)
        .catch(() => tokenStore.clear())
        .finally(() => setChecking(false));
    }
    const signedOut = () => setSession(null);
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
  }, []);

  const signOut = () => {
    tokenStore.clear();
    setSession(null);
  };

  return (
    <>
      <header class="top">
        <a class="brand" href="/">
          PSTT
        </a>
        <nav aria-label="Pages">
          <a href="/" aria-current={page === 'dashboard' ? 'page' : undefined}>
            Dashboard
          </a>
          <a href="/scheduler" aria-current={page === 'scheduler' ? 'page' : undefined}>
            Scheduler
          </a>
        </nav>
        {session && (
          <div class="who">
            <span data-testid="role">role: {session.role}</span>
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main">
        {checking ? (
          <p aria-live="polite">Checking the saved token…</p>
        ) : session ? (
          <SessionContext.Provider value={session}>
            {!canOperate(session) && (
              <p class="notice" role="note">
                Signed in with a read-only token: buttons that change things are disabled.
              </p>
            )}
            {children}
          </SessionContext.Provider>
        ) : (
          <SignIn onSignedIn={setSession} />
        )}
      </main>
    </>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (s: SessionView) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    tokenStore.set(token.trim());
    try {
      onSignedIn(await api<SessionView>('/api/session'));
    } catch (err) {
      tokenStore.clear();
      setError(err instanceof ApiError && err.status === 401 ? 'This token is not valid.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card sign-in" onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p>
        Paste an API token. Without configured tokens, <code>npm start</code> printed the generated admin token, kept in{' '}
        <code>data/api-admin-token</code>. The token stays in this browser tab only.
      </p>
      <label for="token">API token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="off"
        required
        value={token}
        onInput={(e) => setToken(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? 'token-error' : undefined}
      />
      {error && (
        <p id="token-error" class="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy || !token.trim()}>
        Sign in
      </button>
    </form>
  );
}
