import { stockLabel, stockLevel } from '../lib/format';
import type { Product } from '../lib/types';

export function StockBadge({ product }: { product: Pick<Product, 'soldOut' | 'stockRemaining' | 'stockTotal'> }) {
  const level = stockLevel(product);
  return (
    <span className={`badge badge--${level}`} data-testid="stock-badge">
      {stockLabel(product)}
    </span>
  );
}

/** A bar showing how much of the drop's stock is left (decorative; the numbers are in the text). */
export function StockMeter({ product }: { product: Pick<Product, 'soldOut' | 'stockRemaining' | 'stockTotal'> }) {
  const pct = product.stockTotal > 0 ? Math.max(0, Math.min(100, (product.stockRemaining / product.stockTotal) * 100)) : 0;
  return (
    <div className={`meter meter--${stockLevel(product)}`} aria-hidden="true">
      <div className="meter-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}
