// A small PNG encoder (8-bit RGB, no interlace) on Node's zlib: real images made at seed and
// test time, so nothing is fetched from a host that cannot be reached.
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A PNG of `width` × `height` whose pixel (x, y) is `pixel(x, y)` → [r, g, b] (0–255).
 * @returns {Buffer}
 */
export function encodePng(width, height, pixel) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** [r, g, b] from a hex colour such as "#a0522d". */
export function rgb(hex) {
  const n = parseInt(hex.replace("#", ""), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

/**
 * A product photo: a piece (a shape in `colour`) on a soft backdrop with a shadow, lit from the
 * top left. `shape` is "bowl", "vase", "board", "cloth" or "ring"; `seed` varies the framing.
 */
export function productPhoto(shape, colour, seed = 0, width = 240, height = 180) {
  const piece = rgb(colour);
  const backdrop = mix([244, 240, 232], piece, 0.08);
  const cx = width / 2 + ((seed * 37) % 21) - 10;
  const cy = height * 0.55;
  const inside = (x, y) => {
    const dx = (x - cx) / width;
    const dy = (y - cy) / height;
    switch (shape) {
      case "vase":
        return Math.abs(dx) < 0.12 + 0.08 * Math.cos(dy * 9) && Math.abs(dy) < 0.35;
      case "board":
        return Math.abs(dx) < 0.32 && Math.abs(dy) < 0.18;
      case "cloth":
        return Math.abs(dx + 0.05 * Math.sin(dy * 20)) < 0.28 && Math.abs(dy) < 0.32;
      case "ring": {
        const r = Math.hypot(dx, dy * 1.3);
        return r > 0.12 && r < 0.18;
      }
      default: // bowl
        return dy > -0.05 && Math.hypot(dx, dy * 1.6) < 0.3;
    }
  };
  return encodePng(width, height, (x, y) => {
    if (inside(x, y)) {
      const light = 1 - 0.45 * ((x - cx) / width + 0.5) * 0.8 - 0.25 * (y / height);
      return mix([0, 0, 0], piece, Math.max(0.35, Math.min(1.1, light))).map((v) => Math.min(255, v));
    }
    const shadow = inside(x - 8, y - 10) ? 0.82 : 1;
    const fade = 1 - 0.15 * (y / height);
    return backdrop.map((v) => Math.round(v * fade * shadow));
  });
}

/** A portrait placeholder: initials-free, a circle of `colour` on a tint of it. */
export function portrait(colour, size = 160) {
  const c = rgb(colour);
  const bg = mix([255, 255, 255], c, 0.2);
  return encodePng(size, size, (x, y) => {
    const head = Math.hypot(x - size / 2, y - size * 0.4) < size * 0.2;
    const shoulders = y > size * 0.65 && Math.hypot(x - size / 2, (y - size) * 1.4) < size * 0.45;
    return head || shoulders ? c : bg;
  });
}
