import { useEffect, useState } from 'react';
import Parse, { pointer, readable } from '../parse';
import { ErrorText, Photo, ProductCard } from './common';

export function ArtisanPage({ id }: { id: string }) {
  const [artisan, setArtisan] = useState<Parse.Object | undefined>();
  const [products, setProducts] = useState<Parse.Object[]>([]);
  const [error, setError] = useState('');

  useEffect(() => {
    const a = pointer('Artisan', id);
    Promise.all([
      new Parse.Query('Artisan').get(id),
      new Parse.Query('Product').equalTo('owner', a).include('owner').descending('createdAt').limit(100).find(),
    ])
      .then(([artisan, products]) => {
        setArtisan(artisan);
        setProducts(products);
      })
      .catch((e) => setError((e as Parse.Error).code === 101 ? 'This artisan does not exist.' : readable(e)));
  }, [id]);

  if (error)
    return (
      <section>
        <h1>Artisan not found</h1>
        <ErrorText>{error}</ErrorText>
      </section>
    );
  if (!artisan) return <p role="status">Loading artisan…</p>;
  const name = artisan.get('name') as string;
  return (
    <section>
      <div className="artisan">
        <Photo file={artisan.get('photo')} alt={`Portrait of ${name}`} className="portrait" />
        <div>
          <h1>{name}</h1>
          <p>{artisan.get('description') as string}</p>
        </div>
      </div>
      <h2>Their products</h2>
      {products.length === 0 ? (
        <p>No products yet.</p>
      ) : (
        <ul className="grid" aria-label={`Products by ${name}`}>
          {products.map((p) => (
            <ProductCard key={p.id} product={p} />
          ))}
        </ul>
      )}
    </section>
  );
}
