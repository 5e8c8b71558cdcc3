import { useState } from 'react';

interface Props {
  src: string;
  alt: string;
  /** the first images on the page load eagerly (they are the largest paint on a phone) */
  eager?: boolean;
  className?: string;
  /** colours the placeholder shown when the image is missing or fails */
  seed?: string;
}

const hue = (s: string) => {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
};

export function ProductImage({ src, alt, eager = false, className = '', seed = alt }: Props) {
  const [failed, setFailed] = useState(!src);
  if (failed) {
    return (
      <div
        className={`product-image product-image--fallback ${className}`}
        {...(alt ? { role: 'img', 'aria-label': alt } : { 'aria-hidden': true })}
        style={{ ['--h' as string]: String(hue(seed)) }}
      >
        <span aria-hidden="true">{seed.slice(0, 1).toUpperCase()}</span>
      </div>
    );
  }
  return (
    <img
      className={`product-image ${className}`}
      src={src}
      alt={alt}
      width={600}
      height={600}
      loading={eager ? 'eager' : 'lazy'}
      decoding="async"
      fetchPriority={eager ? 'high' : 'auto'}
      onError={() => setFailed(true)}
    />
  );
}
