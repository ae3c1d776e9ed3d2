// The cart: product ids and quantities, kept in localStorage; checkout prices it on the server.
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

export interface CartLine {
  productId: string;
  title: string;
  price: number;
  quantity: number;
  artisan?: string;
}

interface Cart {
  lines: CartLine[];
  add: (line: CartLine) => void;
  setQuantity: (productId: string, quantity: number) => void;
  remove: (productId: string) => void;
  clear: () => void;
}

const KEY = 'artisan-market.cart';
const CartContext = createContext<Cart | undefined>(undefined);

function load(): CartLine[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

export function CartProvider({ children }: { children: ReactNode }) {
  const [lines, setLines] = useState<CartLine[]>(load);
  const save = useCallback((next: CartLine[]) => {
    localStorage.setItem(KEY, JSON.stringify(next));
    setLines(next);
  }, []);
  const add = (line: CartLine) => {
    const found = lines.find((l) => l.productId === line.productId);
    save(
      found
        ? lines.map((l) => (l.productId === line.productId ? { ...l, quantity: l.quantity + line.quantity } : l))
        : [...lines, line],
    );
  };
  const setQuantity = (productId: string, quantity: number) =>
    save(lines.map((l) => (l.productId === productId ? { ...l, quantity } : l)));
  const remove = (productId: string) => save(lines.filter((l) => l.productId !== productId));
  const clear = () => save([]);
  return <CartContext.Provider value={{ lines, add, setQuantity, remove, clear }}>{children}</CartContext.Provider>;
}

export function useCart(): Cart {
  const c = useContext(CartContext);
  if (!c) throw new Error('useCart outside CartProvider');
  return c;
}
