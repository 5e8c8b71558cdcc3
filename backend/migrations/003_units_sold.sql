-- 003 (issue 12): stock and orders stay exact under every operator action.
--  * products.units_sold: units in confirmed orders, counted by the order statement itself (in
--    the same UPDATE that decrements stock_remaining) and reconciled from the orders by every
--    catalogue load. The loader computes remaining = max(stock - units_sold, 0): it never derives
--    sales from stock_total - stock_remaining (which forgot every sale after a pause to 0).
--  * orders.total_cents BIGINT: price (<= 10^8 cents) x quantity (<= 100) no longer overflows.
--  * events.catalog_revision / catalog_sha256 / active: the catalogue revision is monotonic (an
--    older document is refused), an unchanged document is skipped, a deleted file deactivates.
--  * Idempotency keys are unique across sessions (a retry after a session change replays the
--    order instead of placing a second one). Historical duplicates across sessions (possible
--    only under the old per-session scope) are renamed with a '.' that no client key can contain.
ALTER TABLE products ADD COLUMN units_sold INT UNSIGNED NOT NULL DEFAULT 0 AFTER stock_remaining;
UPDATE products p SET p.units_sold = (SELECT COALESCE(SUM(o.quantity), 0) FROM orders o WHERE o.product_id = p.id AND o.status = 'confirmed');
UPDATE products SET stock_remaining = IF(units_sold >= stock_total, 0, stock_total - units_sold);
ALTER TABLE orders MODIFY total_cents BIGINT UNSIGNED NOT NULL;
ALTER TABLE events ADD COLUMN catalog_revision BIGINT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN catalog_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL, ADD COLUMN active TINYINT(1) NOT NULL DEFAULT 1;
UPDATE orders o JOIN (SELECT idempotency_key, MIN(id) AS keep_id FROM orders GROUP BY idempotency_key HAVING COUNT(*) > 1) d ON d.idempotency_key = o.idempotency_key AND o.id <> d.keep_id SET o.idempotency_key = CONCAT(LEFT(o.idempotency_key, 91), '.', o.id);
ALTER TABLE orders DROP INDEX uq_orders_idempotency, ADD UNIQUE KEY uq_orders_key (idempotency_key), ADD KEY ix_orders_session (session_id);
