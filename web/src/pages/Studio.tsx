// The artisan studio: live incoming orders, products, the public profile.
import { useCallback, useEffect, useState } from 'react';
import Parse, { money, readable } from '../parse';
import { itemProductId, STATUS_TEXT, useLiveOrders, type OrderItem } from '../orders';
import { Link } from '../router';
import { useSession } from '../session';
import { ErrorText, Photo } from './common';

export default function Studio() {
  const { user, role } = useSession();
  const [artisan, setArtisan] = useState<Parse.Object | null | undefined>();
  const [error, setError] = useState('');

  useEffect(() => {
    if (!user) return;
    new Parse.Query('Artisan')
      .equalTo('user', user)
      .first()
      .then((a) => setArtisan(a ?? null))
      .catch((e) => setError(readable(e)));
  }, [user]);

  if (!user || role !== 'artisan')
    return (
      <section>
        <h1>Studio</h1>
        <p>
          The studio is for artisans. <Link to="/login?next=/studio">Log in</Link> with an artisan account.
        </p>
      </section>
    );
  if (error) return <ErrorText>{error}</ErrorText>;
  if (artisan === undefined) return <p role="status">Loading your studio…</p>;
  return (
    <section>
      <h1>Studio</h1>
      {artisan && (
        <>
          <IncomingOrders artisan={artisan} />
          <Products artisan={artisan} />
        </>
      )}
      <Profile artisan={artisan} onSaved={setArtisan} />
    </section>
  );
}

function Profile({ artisan, onSaved }: { artisan: Parse.Object | null; onSaved: (a: Parse.Object) => void }) {
  const { user, announce } = useSession();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const name = String(data.get('name')).trim();
    if (!name) return setError('Please enter the name buyers will see.');
    setBusy(true);
    setError('');
    try {
      const a = artisan ?? new Parse.Object('Artisan');
      a.set('name', name);
      a.set('description', String(data.get('description')).trim());
      const photo = data.get('photo');
      if (photo instanceof File && photo.size > 0) a.set('photo', await new Parse.File(safeName(photo.name), photo).save());
      if (!artisan) {
        a.set('user', user);
        const acl = new Parse.ACL(user);
        acl.setPublicReadAccess(true);
        a.setACL(acl);
      }
      onSaved(await a.save());
      announce(artisan ? 'Profile saved.' : 'Your shop is open.');
    } catch (err) {
      setError(readable(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="profile-heading" className="panel">
      <h2 id="profile-heading">{artisan ? 'Public profile' : 'Open your shop'}</h2>
      {artisan && (
        <p>
          <Link to={`/artisans/${artisan.id}`}>See your public page</Link>
        </p>
      )}
      <form onSubmit={submit}>
        {artisan && <Photo file={artisan.get('photo')} alt="Your profile photo" className="portrait" />}
        <label>
          Shop name
          <input name="name" defaultValue={artisan?.get('name') ?? ''} required />
        </label>
        <label>
          About you
          <textarea name="description" rows={3} defaultValue={artisan?.get('description') ?? ''} />
        </label>
        <label>
          Profile photo
          <input name="photo" type="file" accept="image/png,image/jpeg,image/webp,image/gif,image/avif" />
        </label>
        <ErrorText>{error}</ErrorText>
        <button type="submit" disabled={busy}>
          {artisan ? 'Save profile' : 'Create profile'}
        </button>
      </form>
    </section>
  );
}

function safeName(name: string) {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80) || 'photo';
}

const NEXT_STEPS: Record<string, [string, string][]> = {
  pending: [['cancelled', 'Cancel']],
  paid: [
    ['shipped', 'Ship'],
    ['cancelled', 'Cancel'],
  ],
  shipped: [['delivered', 'Mark delivered']],
};

function IncomingOrders({ artisan }: { artisan: Parse.Object }) {
  const { announce } = useSession();
  const query = useCallback(() => new Parse.Query('Order').equalTo('artisan', artisan), [artisan]);
  const { orders, titles, error, upsert } = useLiveOrders(query, announce);
  const [busy, setBusy] = useState('');
  const [actionError, setActionError] = useState('');
  return (
    <section aria-labelledby="orders-heading" className="panel">
      <h2 id="orders-heading">Incoming orders</h2>
      <ErrorText>{error ? readable(error) : actionError}</ErrorText>
      {orders === undefined ? (
        <p role="status">Loading orders…</p>
      ) : orders.length === 0 ? (
        <p>No orders yet.</p>
      ) : (
        <ul className="orders" aria-label="Incoming orders">
          {orders.map((o) => (
            <li key={o.id} aria-label={`Order ${o.id}`}>
              <p>
                <strong>Order {o.id}</strong> · {o.createdAt?.toLocaleString()} · {money(o.get('totalAmount'))} · Status:{' '}
                <span className={`status ${o.get('status')}`}>{STATUS_TEXT[o.get('status')] ?? o.get('status')}</span>
              </p>
              <ul>
                {((o.get('items') as OrderItem[]) ?? []).map((it, i) => (
                  <li key={i}>
                    {it.quantity} × {titles[itemProductId(it)] ?? 'product'}
                  </li>
                ))}
              </ul>
              {(NEXT_STEPS[o.get('status')] ?? []).map(([status, label]) => (
                <button
                  key={status}
                  type="button"
                  disabled={busy === o.id}
                  onClick={async () => {
                    setBusy(o.id!);
                    setActionError('');
                    try {
                      upsert(await o.save({ status }));
                      announce(`Order ${o.id} is now ${STATUS_TEXT[status]}.`);
                    } catch (e) {
                      setActionError(readable(e));
                    } finally {
                      setBusy('');
                    }
                  }}
                >
                  {label} order {o.id}
                </button>
              ))}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Products({ artisan }: { artisan: Parse.Object }) {
  const [products, setProducts] = useState<Parse.Object[] | undefined>();
  const [editing, setEditing] = useState<Parse.Object | 'new' | undefined>();
  const load = useCallback(
    () =>
      new Parse.Query('Product')
        .equalTo('owner', artisan)
        .descending('createdAt')
        .limit(1000)
        .find()
        .then(setProducts),
    [artisan],
  );
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section aria-labelledby="products-heading" className="panel">
      <h2 id="products-heading">Your products</h2>
      {editing ? (
        <ProductForm
          artisan={artisan}
          product={editing === 'new' ? undefined : editing}
          onDone={() => {
            setEditing(undefined);
            void load();
          }}
        />
      ) : (
        <button type="button" onClick={() => setEditing('new')}>
          New product
        </button>
      )}
      {products && (
        <ul className="plain" aria-label="Your products">
          {products.map((p) => (
            <li key={p.id}>
              <Link to={`/products/${p.id}`}>{p.get('title') as string}</Link> · {money(p.get('price'))} · {p.get('stock') as number} in stock{' '}
              <button type="button" onClick={() => setEditing(p)} aria-label={`Edit ${p.get('title') as string}`}>
                Edit
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type ProductErrors = Partial<Record<'title' | 'sku' | 'price' | 'stock' | 'form', string>>;

function ProductForm({ artisan, product, onDone }: { artisan: Parse.Object; product?: Parse.Object; onDone: () => void }) {
  const { user, announce } = useSession();
  const [errors, setErrors] = useState<ProductErrors>({});
  const [images, setImages] = useState<Parse.File[]>(() => (product?.get('images') as Parse.File[] | undefined) ?? []);
  const [busy, setBusy] = useState(false);
  const prefix = product?.id ?? 'new';

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const title = String(data.get('title')).trim();
    const sku = String(data.get('sku')).trim();
    const priceText = String(data.get('price')).trim();
    const stockText = String(data.get('stock')).trim();
    const price = Number(priceText);
    const stock = Number(stockText);
    const found: ProductErrors = {};
    if (!title) found.title = 'Please enter a title.';
    if (!sku) found.sku = 'Please enter a SKU.';
    if (!priceText || !Number.isFinite(price) || price <= 0 || Math.round(price * 100) !== price * 100)
      found.price = 'The price must be more than 0, with at most two decimals.';
    if (!stockText || !Number.isInteger(stock) || stock < 0) found.stock = 'The stock must be a whole number, 0 or more.';
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const p = product ?? new Parse.Object('Product');
      p.set({
        title,
        sku,
        price,
        stock,
        description: String(data.get('description')).trim(),
        tags: String(data.get('tags'))
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean),
        images,
      });
      if (!product) {
        p.set('owner', artisan);
        const acl = new Parse.ACL(user);
        acl.setPublicReadAccess(true);
        p.setACL(acl);
      }
      await p.save();
      announce(product ? `${title} saved.` : `${title} is in the shop.`);
      onDone();
    } catch (err) {
      const code = (err as Parse.Error).code;
      const message = readable(err);
      if (code === 137) setErrors({ sku: 'Another product already uses this SKU.' });
      else if (/\bsku\b/i.test(message)) setErrors({ sku: message });
      else if (/\bprice\b/i.test(message)) setErrors({ price: message });
      else if (/\bstock\b/i.test(message)) setErrors({ stock: message });
      else setErrors({ form: message });
    } finally {
      setBusy(false);
    }
  }

  async function addPhotos(files: FileList | null) {
    if (!files?.length) return;
    setBusy(true);
    try {
      const saved = await Promise.all([...files].map((f) => new Parse.File(safeName(f.name), f).save()));
      setImages((prev) => [...prev, ...saved.filter((f): f is Parse.File => !!f)]);
      announce(`${saved.length} photo${saved.length > 1 ? 's' : ''} added.`);
    } catch (err) {
      setErrors({ form: readable(err) });
    } finally {
      setBusy(false);
    }
  }

  const move = (i: number, d: number) =>
    setImages((prev) => {
      const next = [...prev];
      next.splice(i + d, 0, ...next.splice(i, 1));
      return next;
    });

  const field = (name: keyof ProductErrors) =>
    errors[name] ? { 'aria-invalid': true, 'aria-describedby': `${prefix}-${name}-error` } : {};
  const value = (k: string) => (product?.get(k) as string | number | undefined)?.toString() ?? '';

  return (
    <form onSubmit={submit} className="panel" aria-label={product ? `Edit ${value('title')}` : 'New product'} noValidate>
      <h3>{product ? `Edit ${value('title')}` : 'New product'}</h3>
      <label>
        Title
        <input name="title" defaultValue={value('title')} {...field('title')} />
      </label>
      <ErrorText id={`${prefix}-title-error`}>{errors.title}</ErrorText>
      <label>
        SKU
        <input name="sku" defaultValue={value('sku')} {...field('sku')} />
      </label>
      <ErrorText id={`${prefix}-sku-error`}>{errors.sku}</ErrorText>
      <label>
        Price (USD)
        <input name="price" inputMode="decimal" defaultValue={value('price')} {...field('price')} />
      </label>
      <ErrorText id={`${prefix}-price-error`}>{errors.price}</ErrorText>
      <label>
        Stock
        <input name="stock" inputMode="numeric" defaultValue={product ? value('stock') : '1'} {...field('stock')} />
      </label>
      <ErrorText id={`${prefix}-stock-error`}>{errors.stock}</ErrorText>
      <label>
        Description
        <textarea name="description" rows={3} defaultValue={value('description')} />
      </label>
      <label>
        Tags (comma separated)
        <input name="tags" defaultValue={((product?.get('tags') as string[] | undefined) ?? []).join(', ')} />
      </label>
      <fieldset>
        <legend>Photos</legend>
        <ol className="photos">
          {images.map((f, i) => (
            <li key={f.name() + i}>
              <Photo file={f} alt={`Photo ${i + 1}`} className="thumb" />
              <button type="button" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move photo ${i + 1} earlier`}>
                ↑
              </button>
              <button type="button" disabled={i === images.length - 1} onClick={() => move(i, 1)} aria-label={`Move photo ${i + 1} later`}>
                ↓
              </button>
              <button type="button" onClick={() => setImages((prev) => prev.filter((_, j) => j !== i))} aria-label={`Remove photo ${i + 1}`}>
                Remove
              </button>
            </li>
          ))}
        </ol>
        <label>
          Add photos
          <input type="file" multiple accept="image/png,image/jpeg,image/webp,image/gif,image/avif" onChange={(e) => void addPhotos(e.target.files)} />
        </label>
      </fieldset>
      <ErrorText>{errors.form}</ErrorText>
      <button type="submit" disabled={busy}>
        {product ? 'Save product' : 'Create product'}
      </button>{' '}
      <button type="button" onClick={onDone}>
        Close
      </button>
    </form>
  );
}
