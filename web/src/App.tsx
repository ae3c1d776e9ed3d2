import { lazy, Suspense, useEffect, useRef } from 'react';
import { CartProvider, useCart } from './cart';
import { Link, useLocation } from './router';
import { SessionProvider, useSession } from './session';
import { Storefront } from './pages/Storefront';
import { ProductPage } from './pages/ProductPage';
import { ArtisanPage } from './pages/ArtisanPage';
import { LogIn, SignUp, ForgotPassword, VerifyEmailBanner } from './pages/Account';
import { CartPage } from './pages/CartPage';
import { MyOrders } from './pages/MyOrders';

// Pages only some people open load on demand, so the storefront stays small.
const Studio = lazy(() => import('./pages/Studio'));
const Admin = lazy(() => import('./pages/Admin'));
const Mailbox = lazy(() => import('./pages/Mailbox'));
const Playground = lazy(() => import('./pages/Playground'));

export function App() {
  return (
    <SessionProvider>
      <CartProvider>
        <Shell />
      </CartProvider>
    </SessionProvider>
  );
}

function Shell() {
  const url = useLocation();
  const { user, role, logOut, announcement, announce } = useSession();
  const cart = useCart();
  const main = useRef<HTMLElement>(null);
  const count = cart.lines.reduce((n, l) => n + l.quantity, 0);

  // A new page moves the focus to its content, as a page load would.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [url.pathname]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Artisan Market
        </Link>
        <nav aria-label="Main">
          <Link to="/">Shop</Link>
          <Link to="/cart">Cart ({count})</Link>
          {user && <Link to="/orders">My orders</Link>}
          {role === 'artisan' && <Link to="/studio">Studio</Link>}
          {role === 'admin' && <Link to="/admin">Admin</Link>}
          <Link to="/playground">API playground</Link>
        </nav>
        <div className="who">
          {user ? (
            <>
              <span>
                Signed in as <strong>{user.getUsername()}</strong>
              </span>
              <button
                type="button"
                onClick={async () => {
                  await logOut();
                  announce('You are logged out.');
                }}
              >
                Log out
              </button>
            </>
          ) : (
            <>
              <Link to="/login">Log in</Link>
              <Link to="/signup">Sign up</Link>
            </>
          )}
        </div>
      </header>
      <VerifyEmailBanner />
      <p role="status" aria-live="polite" className="announce">
        {announcement}
      </p>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<p>Loading…</p>}>
          <Route url={url} />
        </Suspense>
      </main>
    </>
  );
}

function Route({ url }: { url: URL }) {
  const parts = url.pathname.split('/').filter(Boolean);
  switch (parts[0]) {
    case undefined:
      return <Storefront />;
    case 'products':
      return parts[1] ? <ProductPage id={parts[1]} /> : <Storefront />;
    case 'artisans':
      return <ArtisanPage id={parts[1] ?? ''} />;
    case 'login':
      return <LogIn />;
    case 'signup':
      return <SignUp />;
    case 'forgot-password':
      return <ForgotPassword />;
    case 'cart':
      return <CartPage />;
    case 'orders':
      return <MyOrders />;
    case 'studio':
      return <Studio />;
    case 'admin':
      return <Admin />;
    case 'dev':
      return <Mailbox />;
    case 'playground':
      return <Playground page={parts[1]} />;
    default:
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            <Link to="/">Back to the shop</Link>
          </p>
        </section>
      );
  }
}
