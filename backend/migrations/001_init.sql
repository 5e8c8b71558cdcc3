-- 001: events, drops, products, sessions, orders.
-- Portable between Aurora MySQL 8.0 and MariaDB 10.11 (see README "MySQL vs MariaDB").
-- Times are UTC: business instants as BIGINT epoch milliseconds, audit columns as DATETIME(3).

CREATE TABLE events (
  id          VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name        VARCHAR(200) NOT NULL,
  time_zone   VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  updated_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE drops (
  id          VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_id    VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  drop_date   DATE        NOT NULL,
  starts_at   BIGINT      NOT NULL,
  ends_at     BIGINT      NOT NULL,
  active      TINYINT(1)  NOT NULL DEFAULT 1,
  updated_at  DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_drops_event_start (event_id, starts_at),
  CONSTRAINT fk_drops_event FOREIGN KEY (event_id) REFERENCES events (id),
  CONSTRAINT chk_drops_window CHECK (ends_at > starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE products (
  id                 VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  drop_id            VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  position           SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  name               VARCHAR(200) NOT NULL,
  description        TEXT         NOT NULL,
  price_cents        INT UNSIGNED NOT NULL,
  currency           CHAR(3)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  image_url          VARCHAR(500) NOT NULL,
  stock_total        INT UNSIGNED NOT NULL,
  stock_remaining    INT UNSIGNED NOT NULL,
  limit_per_customer SMALLINT UNSIGNED NOT NULL,
  active             TINYINT(1)   NOT NULL DEFAULT 1,
  updated_at         DATETIME(3)  NOT NULL,
  PRIMARY KEY (id),
  KEY ix_products_drop (drop_id, position),
  CONSTRAINT fk_products_drop FOREIGN KEY (drop_id) REFERENCES drops (id),
  CONSTRAINT chk_products_stock CHECK (stock_remaining <= stock_total)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
  id          CHAR(43)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at  DATETIME(3) NOT NULL,
  expires_at  BIGINT      NOT NULL,
  PRIMARY KEY (id),
  KEY ix_sessions_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per-customer, per-product purchase counter. Its row lock serialises one customer's concurrent
-- orders of one product (the per-customer limit) without touching the hot product row.
CREATE TABLE customer_purchases (
  session_id  CHAR(43)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  product_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  quantity    INT UNSIGNED NOT NULL,
  PRIMARY KEY (session_id, product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- No foreign keys from orders/customer_purchases on purpose: an FK check takes a shared lock on
-- the parent product row, and the later stock UPDATE upgrades it to exclusive -> deadlocks between
-- concurrent buyers of the same product. Integrity is kept by the order transaction itself.
CREATE TABLE orders (
  id               CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  session_id       CHAR(43)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  idempotency_key  VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  request_hash     CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  product_id       VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  drop_id          VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  quantity         SMALLINT UNSIGNED NOT NULL,
  unit_price_cents INT UNSIGNED NOT NULL,
  total_cents      INT UNSIGNED NOT NULL,
  currency         CHAR(3)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status           VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at       DATETIME(3)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_orders_idempotency (session_id, idempotency_key),
  KEY ix_orders_product (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
