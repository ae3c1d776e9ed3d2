// Admin: every user with its role (search, paging, role change) and every order. The server's
// marketplace rule lets admins read all users and orders, and change another user's role.
import { useEffect, useState } from 'react';
import Parse, { money, readable } from '../parse';
import { STATUS_TEXT } from '../orders';
import { Link } from '../router';
import { useSession } from '../session';
import { ErrorText } from './common';

const PAGE = 20;
const ROLES = ['buyer', 'artisan', 'admin'];

export default function Admin() {
  const { user, role } = useSession();
  if (!user || role !== 'admin')
    return (
      <section>
        <h1>Admin</h1>
        <p>
          This page is for admins. <Link to="/login?next=/admin">Log in</Link> with an admin account.
        </p>
      </section>
    );
  return (
    <section>
      <h1>Admin</h1>
      <Users me={user.id!} />
      <AllOrders />
    </section>
  );
}

function escapeRegex(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function Users({ me }: { me: string }) {
  const { announce } = useSession();
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(0);
  const [users, setUsers] = useState<Parse.User[] | undefined>();
  const [total, setTotal] = useState(0);
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    let q = new Parse.Query(Parse.User);
    if (search) {
      const pattern = escapeRegex(search);
      q = Parse.Query.or(new Parse.Query(Parse.User).matches('username', pattern, 'i'), new Parse.Query(Parse.User).matches('email', pattern, 'i'));
    }
    q.ascending('username').skip(page * PAGE).limit(PAGE).withCount(true);
    q.find()
      .then((r) => {
        if (!live) return;
        const { results, count } = r as unknown as { results: Parse.User[]; count: number };
        setUsers(results);
        setTotal(count);
      })
      .catch((e) => live && setError(readable(e)));
    return () => {
      live = false;
    };
  }, [search, page]);

  async function changeRole(u: Parse.User, role: string) {
    setError('');
    try {
      await u.save({ role });
      setUsers((prev) => prev?.map((x) => (x.id === u.id ? u : x)));
      announce(`${u.getUsername()} is now ${role}.`);
    } catch (e) {
      u.revert();
      setUsers((prev) => prev && [...prev]);
      setError(readable(e));
    }
  }

  const pages = Math.max(1, Math.ceil(total / PAGE));
  return (
    <section aria-labelledby="users-heading" className="panel">
      <h2 id="users-heading">Users</h2>
      <form
        role="search"
        aria-label="Users"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(0);
          setSearch(String(new FormData(e.currentTarget).get('username')).trim());
        }}
      >
        <label>
          Find users by name or email
          <input type="search" name="username" />
        </label>
        <button type="submit">Find</button>
      </form>
      <ErrorText>{error}</ErrorText>
      {users && (
        <>
          <p role="status">
            {total} {total === 1 ? 'user' : 'users'} · page {page + 1} of {pages}
          </p>
          <table className="users">
            <caption className="sr-only">Users and their roles</caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Email</th>
                <th scope="col">Joined</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.getUsername()}</td>
                  <td>{u.getEmail() ?? '—'}</td>
                  <td>{u.createdAt?.toLocaleDateString()}</td>
                  <td>
                    <select
                      aria-label={`Role of ${u.getUsername()}`}
                      value={u.get('role') ?? 'buyer'}
                      disabled={u.id === me}
                      onChange={(e) => void changeRole(u, e.target.value)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Pages of users" className="actions">
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Previous page
            </button>
            <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function AllOrders() {
  const [buyer, setBuyer] = useState('');
  const [page, setPage] = useState(0);
  const [orders, setOrders] = useState<Parse.Object[] | undefined>();
  const [total, setTotal] = useState(0);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const q = new Parse.Query('Order');
    if (buyer) q.matchesQuery('buyer', new Parse.Query(Parse.User).matches('username', escapeRegex(buyer), 'i'));
    q.include(['artisan', 'buyer'])
      .descending('createdAt')
      .skip(page * PAGE)
      .limit(PAGE)
      .withCount(true)
      .find()
      .then((r) => {
        if (!live) return;
        const { results, count } = r as unknown as { results: Parse.Object[]; count: number };
        setOrders(results);
        setTotal(count);
      })
      .catch((e) => live && setError(readable(e)));
    return () => {
      live = false;
    };
  }, [buyer, page]);
  const pages = Math.max(1, Math.ceil(total / PAGE));
  return (
    <section aria-labelledby="all-orders-heading" className="panel">
      <h2 id="all-orders-heading">All orders</h2>
      <form
        role="search"
        aria-label="Orders"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(0);
          setBuyer(String(new FormData(e.currentTarget).get('buyer')).trim());
        }}
      >
        <label>
          Find orders by buyer
          <input type="search" name="buyer" />
        </label>
        <button type="submit">Find orders</button>
      </form>
      <ErrorText>{error}</ErrorText>
      {orders && (
        <>
          <p role="status">
            {total} {total === 1 ? 'order' : 'orders'} · page {page + 1} of {pages}
          </p>
          <table className="users">
            <caption className="sr-only">Every order, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Buyer</th>
                <th scope="col">Artisan</th>
                <th scope="col">Total</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id}>
                  <td>{o.id}</td>
                  <td>{o.createdAt?.toLocaleString()}</td>
                  <td>{(o.get('buyer') as Parse.User | undefined)?.getUsername() ?? '—'}</td>
                  <td>{(o.get('artisan') as Parse.Object | undefined)?.get('name') ?? '—'}</td>
                  <td>{money(o.get('totalAmount'))}</td>
                  <td>{STATUS_TEXT[o.get('status')] ?? o.get('status')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Pages of orders" className="actions">
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Previous page
            </button>
            <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
