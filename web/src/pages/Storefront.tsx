import { useEffect, useState } from 'react';
import Parse, { readable } from '../parse';
import { navigate, useLocation } from '../router';
import { ErrorText, ProductCard } from './common';

const PAGE = 24;

function escapeRegex(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The storefront query, from the page's URL (so a search is a link). */
export function productQuery(params: URLSearchParams): Parse.Query {
  const q = new Parse.Query('Product');
  const text = params.get('q')?.trim();
  if (text) q.matches('title', escapeRegex(text), 'i');
  const tag = params.get('tag')?.trim().toLowerCase();
  if (tag) q.equalTo('tags', tag);
  const min = Number(params.get('min'));
  if (params.get('min') && Number.isFinite(min)) q.greaterThanOrEqualTo('price', min);
  const max = Number(params.get('max'));
  if (params.get('max') && Number.isFinite(max)) q.lessThanOrEqualTo('price', max);
  if (params.get('instock') === '1') q.greaterThan('stock', 0);
  const sort = params.get('sort');
  if (sort === 'price') q.ascending('price');
  else if (sort === '-price') q.descending('price');
  else q.descending('createdAt');
  q.include('owner');
  q.limit(PAGE);
  return q;
}

export function Storefront() {
  const url = useLocation();
  const params = url.searchParams;
  const [products, setProducts] = useState<Parse.Object[] | undefined>();
  const [error, setError] = useState('');
  const [more, setMore] = useState<'idle' | 'loading' | 'done'>('idle');
  const key = params.toString();

  useEffect(() => {
    let live = true;
    setError('');
    setMore('idle');
    productQuery(new URLSearchParams(key))
      .find()
      .then((r) => {
        if (!live) return;
        setProducts(r);
        if (r.length < PAGE) setMore('done');
      })
      .catch((e) => live && setError(readable(e)));
    return () => {
      live = false;
    };
  }, [key]);

  async function showMore() {
    if (!products) return;
    setMore('loading');
    try {
      const next = await productQuery(new URLSearchParams(key)).skip(products.length).find();
      setProducts([...products, ...next]);
      setMore(next.length < PAGE ? 'done' : 'idle');
    } catch (e) {
      setError(readable(e));
      setMore('idle');
    }
  }

  function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const [k, v] of data) if (typeof v === 'string' && v.trim()) next.set(k, v.trim());
    navigate(next.size ? `/?${next}` : '/');
  }

  return (
    <section>
      <h1>Handmade, one of a kind</h1>
      <form role="search" aria-label="Products" className="filters" onSubmit={submit} key={key}>
        <label>
          Search
          <input type="search" name="q" defaultValue={params.get('q') ?? ''} placeholder="Tea bowl, walnut, silver…" />
        </label>
        <label>
          Tag
          <input name="tag" defaultValue={params.get('tag') ?? ''} placeholder="ceramics" />
        </label>
        <label>
          Min price
          <input name="min" type="number" min="0" step="0.01" inputMode="decimal" defaultValue={params.get('min') ?? ''} />
        </label>
        <label>
          Max price
          <input name="max" type="number" min="0" step="0.01" inputMode="decimal" defaultValue={params.get('max') ?? ''} />
        </label>
        <label className="check">
          <input type="checkbox" name="instock" value="1" defaultChecked={params.get('instock') === '1'} /> In stock only
        </label>
        <label>
          Sort
          <select name="sort" defaultValue={params.get('sort') ?? ''}>
            <option value="">Newest</option>
            <option value="price">Price: low to high</option>
            <option value="-price">Price: high to low</option>
          </select>
        </label>
        <button type="submit">Show products</button>
      </form>
      <ErrorText>{error}</ErrorText>
      {products === undefined && !error && <p role="status">Loading products…</p>}
      {products && (
        <>
          <p role="status" className="count">
            {products.length === 0 ? 'No products match.' : `${products.length}${more === 'done' ? '' : '+'} ${products.length === 1 ? 'product' : 'products'}`}
          </p>
          <ul className="grid" aria-label="Products">
            {products.map((p) => (
              <ProductCard key={p.id} product={p} />
            ))}
          </ul>
          {more !== 'done' && (
            <button type="button" onClick={() => void showMore()} disabled={more === 'loading'}>
              {more === 'loading' ? 'Loading more…' : 'Show more products'}
            </button>
          )}
        </>
      )}
    </section>
  );
}
