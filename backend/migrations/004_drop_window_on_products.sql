-- 004 (issue 12, performance): the product row carries a copy of its drop's sale window and
-- active flag, so the order statement decides "on sale" from the one row it locks (a
-- single-table UPDATE instead of UPDATE products JOIN drops, which cost MariaDB an optimizer
-- pass and a shared lock on the hot drop row per order).
--  * Written only by the catalogue load, in the same transaction that writes the drops and under
--    the product row locks (the load locks every product of the event's drops first), so an
--    order sees its drop's window exactly as committed with the product row it locks.
--  * Safe while the previous version serves: the previous order statement keeps joining drops
--    and ignores these columns; the backfill below copies every drop's values. Until a row is
--    written by a load (or this backfill) drop_active is 0: not on sale, never sold by mistake.
ALTER TABLE products ADD COLUMN drop_starts_at BIGINT NOT NULL DEFAULT 0, ADD COLUMN drop_ends_at BIGINT NOT NULL DEFAULT 0, ADD COLUMN drop_active TINYINT(1) NOT NULL DEFAULT 0;
UPDATE products p JOIN drops d ON d.id = p.drop_id SET p.drop_starts_at = d.starts_at, p.drop_ends_at = d.ends_at, p.drop_active = d.active;
