// Product artwork, drawn (no stock photos can be fetched here): a neon sign on a night background, in
// the shop's colours, one hue and shape per product, as SVG. scripts/make-product-art.mjs renders it to
// the JPEGs in public/images/products/ for the catalogue.

function hash(s) {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const SHAPES = [
  (c) => `<circle cx="300" cy="285" r="150" fill="none" stroke="${c}" stroke-width="14"/>`,
  (c) => `<rect x="160" y="145" width="280" height="280" rx="48" fill="none" stroke="${c}" stroke-width="14"/>`,
  (c) => `<polygon points="300,120 460,400 140,400" fill="none" stroke="${c}" stroke-width="14" stroke-linejoin="round"/>`,
  (c) => `<polygon points="300,120 465,285 300,450 135,285" fill="none" stroke="${c}" stroke-width="14" stroke-linejoin="round"/>`,
  (c) => `<polygon points="300,125 440,205 440,365 300,445 160,365 160,205" fill="none" stroke="${c}" stroke-width="14" stroke-linejoin="round"/>`,
];

export function productArtSvg(id, name) {
  const h = hash(id);
  const hue = h % 360;
  const hue2 = (hue + 60 + (h >>> 9) % 80) % 360;
  const main = `hsl(${hue} 100% 66%)`;
  const second = `hsl(${hue2} 100% 70%)`;
  const shape = SHAPES[(h >>> 5) % SHAPES.length];
  const initial = esc(([...name.replace(/^(the|a)\s+/i, '')][0] || '?').toUpperCase());
  const stars = Array.from({ length: 26 }, (_, i) => {
    const v = hash(`${id}:${i}`);
    return `<circle cx="${v % 600}" cy="${(v >>> 10) % 600}" r="${1 + ((v >>> 20) % 3) / 2}" fill="#fff" opacity="${0.25 + ((v >>> 24) % 50) / 100}"/>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 600" width="600" height="600">
<defs>
<linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#15132b"/><stop offset="1" stop-color="hsl(${hue} 45% 18%)"/></linearGradient>
<radialGradient id="halo" cx="0.5" cy="0.47" r="0.5"><stop offset="0" stop-color="${main}" stop-opacity="0.35"/><stop offset="1" stop-color="${main}" stop-opacity="0"/></radialGradient>
<filter id="glow" x="-30%" y="-30%" width="160%" height="160%"><feGaussianBlur stdDeviation="9" result="b"/><feMerge><feMergeNode in="b"/><feMergeNode in="b"/><feMergeNode in="SourceGraphic"/></feMerge></filter>
</defs>
<rect width="600" height="600" fill="url(#bg)"/>${stars}
<circle cx="300" cy="285" r="260" fill="url(#halo)"/>
<g filter="url(#glow)">${shape(main)}
<text x="300" y="343" text-anchor="middle" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="170" font-weight="700" fill="none" stroke="${second}" stroke-width="9" stroke-linejoin="round">${initial}</text></g>
</svg>`;
}
