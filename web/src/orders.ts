// Orders as the buyer and the artisan see them, live through the SDK's LiveQuery.
import { useEffect, useState } from 'react';
import Parse from './parse';

export interface OrderItem {
  product: { objectId: string } | Parse.Object;
  quantity: number;
  unitPrice: number;
}

export const STATUS_TEXT: Record<string, string> = {
  pending: 'Pending payment',
  paid: 'Paid',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};

export function itemProductId(item: OrderItem): string {
  const p = item.product as { id?: string; objectId?: string };
  return p.id ?? p.objectId ?? '';
}

/** Runs `query` and keeps its results current with a LiveQuery subscription on the same query. */
export function useLiveOrders(makeQuery: (() => Parse.Query) | undefined, announce: (m: string) => void) {
  const [orders, setOrders] = useState<Parse.Object[] | undefined>();
  const [titles, setTitles] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!makeQuery) return;
    let live = true;
    let subscription: Parse.LiveQuerySubscription | undefined;
    const upsert = (o: Parse.Object) =>
      setOrders((prev) => {
        const rest = (prev ?? []).filter((p) => p.id !== o.id);
        return [o, ...rest].sort((a, b) => +b.createdAt! - +a.createdAt!);
      });
    (async () => {
      try {
        subscription = await makeQuery().subscribe();
        if (!live) return subscription.unsubscribe();
        subscription.on('create', (o: Parse.Object) => {
          upsert(o);
          void loadTitles([o]);
          announce('A new order arrived.');
        });
        subscription.on('enter', (o: Parse.Object) => upsert(o));
        subscription.on('update', (o: Parse.Object) => {
          upsert(o);
          announce(`Order ${o.id} is now ${STATUS_TEXT[o.get('status')] ?? o.get('status')}.`);
        });
        subscription.on('leave', (o: Parse.Object) => setOrders((prev) => prev?.filter((p) => p.id !== o.id)));
        const found = await makeQuery().descending('createdAt').limit(100).find();
        if (!live) return;
        setOrders(found);
        await loadTitles(found);
      } catch (e) {
        if (live) setError(e);
      }
    })();
    async function loadTitles(list: Parse.Object[]) {
      const ids = [...new Set(list.flatMap((o) => ((o.get('items') as OrderItem[]) ?? []).map(itemProductId)))];
      if (!ids.length) return;
      const products = await new Parse.Query('Product').containedIn('objectId', ids).limit(1000).find();
      if (live) setTitles((t) => ({ ...t, ...Object.fromEntries(products.map((p) => [p.id, p.get('title') as string])) }));
    }
    return () => {
      live = false;
      subscription?.unsubscribe();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [makeQuery]);

  return { orders, titles, error, upsert: (o: Parse.Object) => setOrders((prev) => (prev ?? []).map((p) => (p.id === o.id ? o : p))) };
}
