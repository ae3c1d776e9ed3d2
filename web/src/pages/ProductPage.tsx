import { useEffect, useRef, useState } from 'react';
import { useCart } from '../cart';
import Parse, { money, readable } from '../parse';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { ErrorText, Photo } from './common';

export function ProductPage({ id }: { id: string }) {
  const [product, setProduct] = useState<Parse.Object | undefined>();
  const [error, setError] = useState('');
  const [buyError, setBuyError] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmed, setConfirmed] = useState<Parse.Object | undefined>();
  const pending = useRef(false);
  const { user, announce } = useSession();
  const cart = useCart();

  useEffect(() => {
    setProduct(undefined);
    setError('');
    new Parse.Query('Product')
      .include('owner')
      .get(id)
      .then(setProduct)
      .catch((e) => setError((e as Parse.Error).code === 101 ? 'This product does not exist (any more).' : readable(e)));
  }, [id]);

  if (error)
    return (
      <section>
        <h1>Product not found</h1>
        <ErrorText>{error}</ErrorText>
        <Link to="/">Back to the shop</Link>
      </section>
    );
  if (!product) return <p role="status">Loading product…</p>;

  const title = product.get('title') as string;
  const stock = (product.get('stock') as number) ?? 0;
  const owner = product.get('owner') as Parse.Object | undefined;
  const images = (product.get('images') as unknown[] | undefined) ?? [];
  const soldOut = stock <= 0;

  async function buyNow() {
    // One order per click, however fast the clicks: the button is off while the order is on its
    // way, and the request carries an id the server answers a retry with.
    if (pending.current || !product) return;
    pending.current = true;
    setBusy(true);
    setBuyError('');
    try {
      const order = await new Parse.Object('Order').save({ items: [{ product: product.toPointer(), quantity: 1 }] });
      setConfirmed(order);
      setProduct(await product.fetch());
      announce(`Order placed: ${title}.`);
    } catch (e) {
      const message = readable(e);
      if (/sold out/i.test(message)) {
        product.set('stock', 0);
        setBuyError(`Sold out: ${title} was just bought by someone else. No order was made.`);
      } else setBuyError(message);
    } finally {
      pending.current = false;
      setBusy(false);
    }
  }

  return (
    <article className="product">
      <div className="gallery">
        {images.length === 0 ? (
          <Photo file={undefined} alt={title} className="big" />
        ) : (
          images.map((f, i) => <Photo key={i} file={f} alt={`${title}, photo ${i + 1} of ${images.length}`} className={i ? 'thumb' : 'big'} />)
        )}
      </div>
      <div className="details">
        <h1>{title}</h1>
        <p className="price">{money(product.get('price'))}</p>
        <p className={soldOut ? 'soldout' : 'stock'}>{soldOut ? 'Sold out' : `${stock} in stock`}</p>
        {owner && (
          <p>
            by <Link to={`/artisans/${owner.id}`}>{(owner.get('name') as string) ?? 'the artisan'}</Link>
          </p>
        )}
        <p className="description">{product.get('description') as string}</p>
        {((product.get('tags') as string[] | undefined) ?? []).length > 0 && (
          <ul className="tags" aria-label="Tags">
            {(product.get('tags') as string[]).map((t) => (
              <li key={t}>
                <Link to={`/?tag=${encodeURIComponent(t)}`}>{t}</Link>
              </li>
            ))}
          </ul>
        )}
        {confirmed ? (
          <div className="confirmation" role="status">
            <h2>Thank you! Your order is placed.</h2>
            <p>
              Total {money(confirmed.get('totalAmount'))}. Follow it in <Link to="/orders">My orders</Link>.
            </p>
          </div>
        ) : !user ? (
          <p>
            <Link to={`/login?next=${encodeURIComponent(`/products/${id}`)}`}>Log in to buy</Link>
          </p>
        ) : (
          <div className="actions">
            <button type="button" onClick={buyNow} disabled={soldOut || busy} aria-disabled={soldOut || busy}>
              {busy ? 'Placing order…' : 'Buy now'}
            </button>
            <button
              type="button"
              disabled={soldOut}
              onClick={() => {
                cart.add({ productId: product.id!, title, price: product.get('price'), quantity: 1, artisan: owner?.get('name') });
                announce(`${title} added to your cart.`);
              }}
            >
              Add to cart
            </button>
            {cart.lines.length > 0 && (
              <button type="button" className="link" onClick={() => navigate('/cart')}>
                Go to cart
              </button>
            )}
          </div>
        )}
        <ErrorText>{buyError}</ErrorText>
      </div>
    </article>
  );
}
