// Catalogue validation. Every error names the file, the item path (with the item's id when it
// has one) and the field, e.g.
//   catalog/neon-nights.json: drops[1].products[3] (id "nn-cap"): priceCents: must be an integer ...
import fs from 'node:fs';
import path from 'node:path';
import { isValidDate, isValidTimeZone } from '../lib/time.js';

export const ID_RE = /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/;
const CURRENCY_RE = /^[A-Z]{3}$/;
const MAX_PRODUCTS_PER_DROP = 50;
const MAX_STOCK = 1_000_000;
const MAX_PRICE_CENTS = 100_000_000;

const EVENT_FIELDS = ['id', 'name', 'timeZone'];
const DROP_FIELDS = ['id', 'date', 'products'];
const PRODUCT_FIELDS = ['id', 'name', 'description', 'priceCents', 'currency', 'imageUrl', 'stock', 'limitPerCustomer'];

function show(v) {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return `got ${s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkText(v, max) {
  return typeof v === 'string' && v.trim().length > 0 && v.length <= max && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(v);
}

function isValidImageUrl(v) {
  if (typeof v !== 'string' || v.length > 500) return false;
  if (v.startsWith('/') && !v.startsWith('//')) return /^\/[\w\-./%]+$/.test(v);
  try {
    const u = new URL(v);
    return u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Validate one parsed catalogue document.
 * @returns {{event: object|null, errors: {file:string,item:string,field:string,message:string}[]}}
 */
function validateDocument(doc, file) {
  const errors = [];
  const err = (item, field, message) => errors.push({ file, item, field, message });

  if (!isPlainObject(doc)) {
    err('(document)', '(root)', `must be a JSON object with "event" and "drops" (${show(doc)})`);
    return { event: null, errors };
  }
  for (const k of Object.keys(doc)) {
    if (!['event', 'drops', 'revision', '$schema', 'comment'].includes(k)) err('(document)', k, 'unknown field');
  }
  // The catalogue revision orders documents: a load of an older revision than the one loaded is
  // refused (see catalog/load.js). Optional (0 when absent) so a first catalogue needs no ceremony.
  if (doc.revision !== undefined && (!Number.isSafeInteger(doc.revision) || doc.revision < 0)) {
    err('(document)', 'revision', `must be a whole number >= 0, raised with every change, e.g. 2026120101 (${show(doc.revision)})`);
  }
  const ev = doc.event;
  if (!isPlainObject(ev)) {
    err('event', 'event', `must be an object with id, name and timeZone (${show(ev)})`);
  } else {
    for (const k of Object.keys(ev)) if (!EVENT_FIELDS.includes(k)) err('event', k, 'unknown field');
    if (typeof ev.id !== 'string' || !ID_RE.test(ev.id)) err('event', 'id', `must be a slug of 2-64 lowercase letters, digits and "-" (${show(ev.id)})`);
    if (!checkText(ev.name, 120)) err('event', 'name', `must be a non-empty string of at most 120 characters (${show(ev.name)})`);
    if (!isValidTimeZone(ev.timeZone)) err('event', 'timeZone', `must be an IANA time zone such as "Europe/Berlin" (${show(ev.timeZone)})`);
  }
  const drops = doc.drops;
  if (!Array.isArray(drops) || drops.length === 0) {
    err('drops', 'drops', `must be a non-empty array of daily drops (${show(drops)})`);
    return { event: null, errors };
  }
  const dates = new Map();
  const dropIds = new Map();
  const productIds = new Map();
  drops.forEach((d, i) => {
    let item = `drops[${i}]`;
    if (!isPlainObject(d)) {
      err(item, '(item)', `must be an object (${show(d)})`);
      return;
    }
    if (typeof d.id === 'string') item += ` (id "${d.id}")`;
    for (const k of Object.keys(d)) if (!DROP_FIELDS.includes(k)) err(item, k, 'unknown field');
    if (typeof d.id !== 'string' || !ID_RE.test(d.id)) err(item, 'id', `must be a slug of 2-64 lowercase letters, digits and "-" (${show(d.id)})`);
    else if (dropIds.has(d.id)) err(item, 'id', `duplicate drop id, also used by drops[${dropIds.get(d.id)}]`);
    else dropIds.set(d.id, i);
    if (!isValidDate(d.date)) err(item, 'date', `must be a calendar date YYYY-MM-DD (${show(d.date)})`);
    else if (dates.has(d.date)) err(item, 'date', `two drops on the same day: drops[${dates.get(d.date)}] is also on ${d.date}`);
    else dates.set(d.date, i);
    if (!Array.isArray(d.products) || d.products.length === 0 || d.products.length > MAX_PRODUCTS_PER_DROP) {
      err(item, 'products', `must be an array of 1-${MAX_PRODUCTS_PER_DROP} products (${Array.isArray(d.products) ? `got ${d.products.length}` : show(d.products)})`);
      return;
    }
    d.products.forEach((p, j) => {
      let pitem = `drops[${i}].products[${j}]`;
      if (!isPlainObject(p)) {
        err(pitem, '(item)', `must be an object (${show(p)})`);
        return;
      }
      if (typeof p.id === 'string') pitem += ` (id "${p.id}")`;
      for (const k of Object.keys(p)) if (!PRODUCT_FIELDS.includes(k)) err(pitem, k, 'unknown field');
      if (typeof p.id !== 'string' || !ID_RE.test(p.id)) err(pitem, 'id', `must be a slug of 2-64 lowercase letters, digits and "-" (${show(p.id)})`);
      else if (productIds.has(p.id)) err(pitem, 'id', `duplicate product id, also used by ${productIds.get(p.id)}`);
      else productIds.set(p.id, `drops[${i}].products[${j}]`);
      if (!checkText(p.name, 120)) err(pitem, 'name', `must be a non-empty string of at most 120 characters (${show(p.name)})`);
      if (!checkText(p.description, 2000)) err(pitem, 'description', `must be a non-empty string of at most 2000 characters (${show(p.description)})`);
      if (!Number.isInteger(p.priceCents) || p.priceCents < 1 || p.priceCents > MAX_PRICE_CENTS) err(pitem, 'priceCents', `must be an integer number of cents between 1 and ${MAX_PRICE_CENTS} (${show(p.priceCents)})`);
      if (typeof p.currency !== 'string' || !CURRENCY_RE.test(p.currency)) err(pitem, 'currency', `must be an ISO 4217 code such as "EUR" (${show(p.currency)})`);
      if (!isValidImageUrl(p.imageUrl)) err(pitem, 'imageUrl', `must be an https:// URL or a site path starting with "/" (${show(p.imageUrl)})`);
      if (!Number.isInteger(p.stock) || p.stock < 0 || p.stock > MAX_STOCK) err(pitem, 'stock', `must be an integer between 0 and ${MAX_STOCK} (${show(p.stock)})`);
      if (!Number.isInteger(p.limitPerCustomer) || p.limitPerCustomer < 1 || p.limitPerCustomer > 100) err(pitem, 'limitPerCustomer', `must be an integer between 1 and 100 (${show(p.limitPerCustomer)})`);
    });
  });
  if (errors.length) return { event: null, errors };
  return {
    event: {
      id: ev.id,
      name: ev.name,
      timeZone: ev.timeZone,
      revision: doc.revision ?? 0,
      drops: drops
        .map((d) => ({
          id: d.id,
          date: d.date,
          products: d.products.map((p, position) => ({ ...p, position })),
        }))
        .sort((a, b) => (a.date < b.date ? -1 : 1)),
    },
    errors,
  };
}

/** Line/column of a JSON.parse error, from the "position N" in its message when present. */
function jsonErrorLocation(text, error) {
  const m = /position (\d+)/.exec(error.message);
  if (!m) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${col}`;
}

/**
 * Validate every *.json file of a catalogue directory, including cross-file uniqueness of ids.
 * @returns {{events: object[], errors: object[], files: string[]}}
 */
export function validateCatalogDir(dir) {
  const errors = [];
  const events = [];
  let names;
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    return { events, files: [], errors: [{ file: dir, item: '(directory)', field: '(directory)', message: `cannot read catalogue directory: ${e.code || e.message}` }] };
  }
  if (names.length === 0) {
    errors.push({ file: dir, item: '(directory)', field: '(directory)', message: 'no *.json catalogue files found' });
  }
  const seen = { event: new Map(), drop: new Map(), product: new Map() };
  for (const name of names) {
    const file = path.join(path.basename(dir), name);
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    let doc;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      errors.push({ file, item: '(document)', field: '(json)', message: `invalid JSON${jsonErrorLocation(text, e)}: ${e.message}` });
      continue;
    }
    const r = validateDocument(doc, file);
    errors.push(...r.errors);
    // Cross-file uniqueness, checked on the raw ids even when the file has other errors.
    let clash = false;
    const evId = isPlainObject(doc) && isPlainObject(doc.event) && typeof doc.event.id === 'string' ? doc.event.id : null;
    if (evId) {
      if (seen.event.has(evId)) {
        clash = true;
        errors.push({ file, item: 'event', field: 'id', message: `event id "${evId}" is also used in ${seen.event.get(evId)}` });
      } else seen.event.set(evId, file);
    }
    const rawDrops = isPlainObject(doc) && Array.isArray(doc.drops) ? doc.drops : [];
    for (const d of rawDrops) {
      if (!isPlainObject(d)) continue;
      if (typeof d.id === 'string') {
        if (seen.drop.has(d.id) && seen.drop.get(d.id) !== file) {
          clash = true;
          errors.push({ file, item: `drop "${d.id}"`, field: 'id', message: `drop id is also used in ${seen.drop.get(d.id)}` });
        } else seen.drop.set(d.id, file);
      }
      for (const p of Array.isArray(d.products) ? d.products : []) {
        if (!isPlainObject(p) || typeof p.id !== 'string') continue;
        if (seen.product.has(p.id) && seen.product.get(p.id) !== file) {
          clash = true;
          errors.push({ file, item: `product "${p.id}"`, field: 'id', message: `product id is also used in ${seen.product.get(p.id)}` });
        } else seen.product.set(p.id, file);
      }
    }
    if (!r.event) continue;
    const ev = r.event;
    if (!clash) events.push({ ...ev, file });
  }
  return { events: errors.length ? [] : events, errors, files: names };
}

export function formatError(e) {
  return `${e.file}: ${e.item}: ${e.field}: ${e.message}`;
}
