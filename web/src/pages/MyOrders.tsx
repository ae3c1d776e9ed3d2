import { useCallback, useEffect, useState } from 'react';
import Parse, { APP_ID, money, readable, SERVER_URL } from '../parse';
import { itemProductId, STATUS_TEXT, useLiveOrders, type OrderItem } from '../orders';
import { Link } from '../router';
import { useSession } from '../session';
import { ErrorText } from './common';

export function MyOrders() {
  const { user, announce } = useSession();
  const query = useCallback(() => new Parse.Query('Order').equalTo('buyer', user!), [user]);
  const { orders, titles, error, upsert } = useLiveOrders(user ? query : undefined, announce);
  const [actionError, setActionError] = useState('');
  const testPayments = useTestPayments();

  async function testPay(o: Parse.Object) {
    setActionError('');
    const res = await fetch(`${SERVER_URL}/dev/pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Parse-Application-Id': APP_ID, 'X-Parse-Session-Token': user!.getSessionToken() ?? '' },
      body: JSON.stringify({ orderId: o.id }),
    }).catch(() => undefined);
    if (!res?.ok) {
      const body = await res?.json().catch(() => ({}));
      setActionError(readable(body?.code ? body : { code: 100 }));
    }
    // The paid status arrives through the live subscription.
  }

  if (!user)
    return (
      <section>
        <h1>My orders</h1>
        <p>
          <Link to="/login?next=/orders">Log in</Link> to see your orders.
        </p>
      </section>
    );

  return (
    <section>
      <h1>My orders</h1>
      <ErrorText>{error ? readable(error) : actionError}</ErrorText>
      {orders === undefined ? (
        <p role="status">Loading orders…</p>
      ) : orders.length === 0 ? (
        <p>
          No orders yet. <Link to="/">Browse the shop</Link>.
        </p>
      ) : (
        <ul className="orders" aria-label="Orders">
          {orders.map((o) => (
            <li key={o.id} aria-label={`Order ${o.id}`}>
              <p>
                <strong>Order {o.id}</strong> · {o.createdAt?.toLocaleString()}
              </p>
              <ul>
                {((o.get('items') as OrderItem[]) ?? []).map((it, i) => (
                  <li key={i}>
                    {it.quantity} × {titles[itemProductId(it)] ?? 'product'} at {money(it.unitPrice)}
                  </li>
                ))}
              </ul>
              <p>
                Total {money(o.get('totalAmount'))} · Status: <span className={`status ${o.get('status')}`}>{STATUS_TEXT[o.get('status')] ?? o.get('status')}</span>
              </p>
              {o.get('status') === 'pending' && testPayments && (
                <button type="button" onClick={() => void testPay(o)}>
                  Pay order {o.id} (test payment)
                </button>
              )}
              {o.get('status') === 'pending' && (
                <button
                  type="button"
                  onClick={async () => {
                    setActionError('');
                    try {
                      upsert(await o.save({ status: 'cancelled' }));
                      announce(`Order ${o.id} cancelled.`);
                    } catch (e) {
                      setActionError(readable(e));
                    }
                  }}
                >
                  Cancel order {o.id}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Whether this server offers test payments (POST /dev/pay, only where DEV_TEST_PAYMENTS is on). */
function useTestPayments(): boolean {
  const [on, setOn] = useState(false);
  useEffect(() => {
    fetch(`${SERVER_URL}/openapi.json`)
      .then((r) => r.json())
      .then((doc: { paths?: Record<string, unknown> }) => setOn(Object.keys(doc.paths ?? {}).some((p) => p.endsWith('/dev/pay'))))
      .catch(() => setOn(false));
  }, []);
  return on;
}
