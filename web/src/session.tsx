// Who is signed in, shared by every page. The SDK keeps the current user in localStorage.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import Parse from './parse';

export type Role = 'buyer' | 'artisan' | 'admin';

interface Session {
  user: Parse.User | undefined;
  role: Role | undefined;
  refresh: () => Promise<void>;
  setUser: (u: Parse.User | undefined) => void;
  logOut: () => Promise<void>;
  announce: (message: string) => void;
  announcement: string;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Parse.User | undefined>(() => Parse.User.current() ?? undefined);
  const [announcement, setAnnouncement] = useState('');

  const refresh = useCallback(async () => {
    const current = Parse.User.current();
    if (!current) return setUser(undefined);
    try {
      await current.fetch();
      setUser(Parse.User.current() ?? undefined);
    } catch (e) {
      if ((e as Parse.Error).code === 209) {
        await Parse.User.logOut().catch(() => undefined);
        setUser(undefined);
      }
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const logOut = useCallback(async () => {
    await Parse.User.logOut().catch(() => undefined);
    setUser(undefined);
  }, []);

  const announce = useCallback((message: string) => {
    // Cleared first, so the same message twice is announced twice.
    setAnnouncement('');
    requestAnimationFrame(() => setAnnouncement(message));
  }, []);

  const role = user?.get('role') as Role | undefined;
  return (
    <SessionContext.Provider value={{ user, role, refresh, setUser, logOut, announce, announcement }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
