import { money, photoUrl, type PObject } from '../parse';
import { Link } from '../router';

export function Photo({ file, alt, className }: { file: unknown; alt: string; className?: string }) {
  const url = photoUrl(file);
  if (!url) {
    return (
      <div className={`placeholder ${className ?? ''}`} role="img" aria-label={`${alt} (no photo)`}>
        <span aria-hidden="true">✦</span>
      </div>
    );
  }
  return <img className={className} src={url} alt={alt} loading="lazy" onError={(e) => hideBroken(e.currentTarget)} />;
}

// A photo that cannot load shows the placeholder's look, never a broken image.
function hideBroken(img: HTMLImageElement) {
  img.removeAttribute('src');
  img.classList.add('placeholder');
}

export function ProductCard({ product }: { product: PObject }) {
  const owner = product.get('owner') as PObject | undefined;
  const stock = product.get('stock') as number;
  const title = product.get('title') as string;
  return (
    <li className="card">
      <Link to={`/products/${product.id}`} aria-label={`${title}, ${money(product.get('price'))}`}>
        <Photo file={(product.get('images') as unknown[] | undefined)?.[0]} alt={title} />
      </Link>
      <h2>
        <Link to={`/products/${product.id}`}>{title}</Link>
      </h2>
      <p className="price">{money(product.get('price'))}</p>
      <p className="by">{owner?.get('name') ? <>by {owner.get('name') as string}</> : null}</p>
      {stock === 0 && <p className="soldout">Sold out</p>}
    </li>
  );
}

export function ErrorText({ id, children }: { id?: string; children?: string }) {
  if (!children) return null;
  return (
    <p className="error" id={id} role="alert">
      {children}
    </p>
  );
}
