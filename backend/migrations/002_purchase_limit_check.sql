-- 002: let the database itself refuse a purchase over the per-customer limit, so the whole order
-- transaction (including COMMIT) can be sent in one round trip and the hot product row lock is
-- never held while waiting for the application.
-- CHECK constraints are enforced by MySQL >= 8.0.16 (Aurora MySQL 3) and MariaDB >= 10.2.
-- The violation error differs: MySQL 3819 ER_CHECK_CONSTRAINT_VIOLATED, MariaDB 4025 ER_CONSTRAINT_FAILED.
ALTER TABLE customer_purchases ADD COLUMN max_quantity SMALLINT UNSIGNED NOT NULL DEFAULT 65535;
ALTER TABLE customer_purchases ADD CONSTRAINT chk_purchases_limit CHECK (quantity <= max_quantity);
