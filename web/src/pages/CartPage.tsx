import { useRef, useState } from 'react';
import { useCart } from '../cart';
import Parse, { money, pointer, readable } from '../parse';
import { Link } from '../router';
import { useSession } from '../session';
import { ErrorText } from './common';

export function CartPage() {
  const cart = useCart();
  const { user, announce } = useSession();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ orders: number; total: number } | undefined>();
  const pending = useRef(false);
  const total = cart.lines.reduce((s, l) => s + l.price * l.quantity, 0);

  async function checkout() {
    if (pending.current) return;
    pending.current = true;
    setBusy(true);
    setError('');
    try {
      const items = cart.lines.map((l) => ({
        product: pointer('Product', l.productId).toPointer(),
        quantity: l.quantity,
      }));
      const result = (await Parse.Cloud.run('checkout', { items })) as { orders: { objectId: string }[] };
      // The server priced the orders: show its totals, not the cart's.
      const ids = (result.orders ?? []).map((o) => o.objectId);
      const orders = await new Parse.Query('Order').containedIn('objectId', ids).find();
      setDone({ orders: orders.length, total: orders.reduce((s, o) => s + ((o.get('totalAmount') as number) ?? 0), 0) });
      cart.clear();
      announce('Your order is placed.');
    } catch (e) {
      const message = readable(e);
      setError(/sold out/i.test(message) ? `${message} Nothing was ordered; remove it and try again.` : message);
    } finally {
      pending.current = false;
      setBusy(false);
    }
  }

  if (done)
    return (
      <section>
        <h1>Thank you!</h1>
        <p role="status">
          {done.orders === 1 ? 'One order' : `${done.orders} orders (one per artisan)`} placed, total {money(done.total)}.
          Follow {done.orders === 1 ? 'it' : 'them'} in <Link to="/orders">My orders</Link>.
        </p>
      </section>
    );

  return (
    <section>
      <h1>Your cart</h1>
      {cart.lines.length === 0 ? (
        <p>
          Your cart is empty. <Link to="/">Browse the shop</Link>.
        </p>
      ) : (
        <>
          <table className="lines">
            <caption className="sr-only">Products in your cart</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Price</th>
                <th scope="col">Quantity</th>
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {cart.lines.map((l) => (
                <tr key={l.productId}>
                  <td>
                    <Link to={`/products/${l.productId}`}>{l.title}</Link>
                    {l.artisan && <div className="by">by {l.artisan}</div>}
                  </td>
                  <td>{money(l.price)}</td>
                  <td>
                    <input
                      type="number"
                      min="1"
                      max="1000"
                      aria-label={`Quantity of ${l.title}`}
                      value={l.quantity}
                      onChange={(e) => cart.setQuantity(l.productId, Math.max(1, Math.floor(Number(e.target.value) || 1)))}
                    />
                  </td>
                  <td>
                    <button type="button" onClick={() => cart.remove(l.productId)} aria-label={`Remove ${l.title}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="total">Total {money(total)}</p>
          <ErrorText>{error}</ErrorText>
          {user ? (
            <button type="button" onClick={checkout} disabled={busy}>
              {busy ? 'Placing your order…' : 'Check out'}
            </button>
          ) : (
            <Link to="/login?next=/cart">Log in to check out</Link>
          )}
        </>
      )}
    </section>
  );
}
