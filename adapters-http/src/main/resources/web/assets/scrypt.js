// scrypt (RFC 7914) with its PBKDF2-HMAC-SHA256 and Salsa20/8, in plain JavaScript: WebCrypto is
// absent on plain-http pages (not a secure context) and has no scrypt anyway.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export function sha256(bytes) {
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const blocks = Math.ceil((bytes.length + 9) / 64);
  const msg = new Uint8Array(blocks * 64);
  msg.set(bytes);
  msg[bytes.length] = 0x80;
  const view = new DataView(msg.buffer);
  const bits = bytes.length * 8;
  view.setUint32(msg.length - 8, Math.floor(bits / 0x100000000));
  view.setUint32(msg.length - 4, bits >>> 0);
  const w = new Uint32Array(64);
  for (let off = 0; off < msg.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(4 * i, h[i]);
  return out;
}

function hmacKeyPads(key) {
  const k = new Uint8Array(64);
  k.set(key.length > 64 ? sha256(key) : key);
  const inner = k.map((v) => v ^ 0x36);
  const outer = k.map((v) => v ^ 0x5c);
  return { inner, outer };
}

function hmac(pads, data) {
  const i = new Uint8Array(64 + data.length);
  i.set(pads.inner);
  i.set(data, 64);
  const o = new Uint8Array(96);
  o.set(pads.outer);
  o.set(sha256(i), 64);
  return sha256(o);
}

export function pbkdf2Sha256(password, salt, iterations, length) {
  const pads = hmacKeyPads(password);
  const out = new Uint8Array(length);
  const block = new Uint8Array(salt.length + 4);
  block.set(salt);
  for (let n = 1, off = 0; off < length; n++, off += 32) {
    new DataView(block.buffer).setUint32(salt.length, n);
    let u = hmac(pads, block);
    const t = u.slice();
    for (let i = 1; i < iterations; i++) {
      u = hmac(pads, u);
      for (let j = 0; j < 32; j++) t[j] ^= u[j];
    }
    out.set(t.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
}

// Salsa20/8 on 16 words in place; the state lives in locals, which is what makes JavaScript fast here.
function salsa8(b) {
  let x0 = b[0], x1 = b[1], x2 = b[2], x3 = b[3], x4 = b[4], x5 = b[5], x6 = b[6], x7 = b[7];
  let x8 = b[8], x9 = b[9], x10 = b[10], x11 = b[11], x12 = b[12], x13 = b[13], x14 = b[14], x15 = b[15];
  let t;
  for (let i = 0; i < 8; i += 2) {
    t = x0 + x12; x4 ^= (t << 7) | (t >>> 25);
    t = x4 + x0; x8 ^= (t << 9) | (t >>> 23);
    t = x8 + x4; x12 ^= (t << 13) | (t >>> 19);
    t = x12 + x8; x0 ^= (t << 18) | (t >>> 14);
    t = x5 + x1; x9 ^= (t << 7) | (t >>> 25);
    t = x9 + x5; x13 ^= (t << 9) | (t >>> 23);
    t = x13 + x9; x1 ^= (t << 13) | (t >>> 19);
    t = x1 + x13; x5 ^= (t << 18) | (t >>> 14);
    t = x10 + x6; x14 ^= (t << 7) | (t >>> 25);
    t = x14 + x10; x2 ^= (t << 9) | (t >>> 23);
    t = x2 + x14; x6 ^= (t << 13) | (t >>> 19);
    t = x6 + x2; x10 ^= (t << 18) | (t >>> 14);
    t = x15 + x11; x3 ^= (t << 7) | (t >>> 25);
    t = x3 + x15; x7 ^= (t << 9) | (t >>> 23);
    t = x7 + x3; x11 ^= (t << 13) | (t >>> 19);
    t = x11 + x7; x15 ^= (t << 18) | (t >>> 14);
    t = x0 + x3; x1 ^= (t << 7) | (t >>> 25);
    t = x1 + x0; x2 ^= (t << 9) | (t >>> 23);
    t = x2 + x1; x3 ^= (t << 13) | (t >>> 19);
    t = x3 + x2; x0 ^= (t << 18) | (t >>> 14);
    t = x5 + x4; x6 ^= (t << 7) | (t >>> 25);
    t = x6 + x5; x7 ^= (t << 9) | (t >>> 23);
    t = x7 + x6; x4 ^= (t << 13) | (t >>> 19);
    t = x4 + x7; x5 ^= (t << 18) | (t >>> 14);
    t = x10 + x9; x11 ^= (t << 7) | (t >>> 25);
    t = x11 + x10; x8 ^= (t << 9) | (t >>> 23);
    t = x8 + x11; x9 ^= (t << 13) | (t >>> 19);
    t = x9 + x8; x10 ^= (t << 18) | (t >>> 14);
    t = x15 + x14; x12 ^= (t << 7) | (t >>> 25);
    t = x12 + x15; x13 ^= (t << 9) | (t >>> 23);
    t = x13 + x12; x14 ^= (t << 13) | (t >>> 19);
    t = x14 + x13; x15 ^= (t << 18) | (t >>> 14);
  }
  b[0] += x0; b[1] += x1; b[2] += x2; b[3] += x3; b[4] += x4; b[5] += x5; b[6] += x6; b[7] += x7;
  b[8] += x8; b[9] += x9; b[10] += x10; b[11] += x11; b[12] += x12; b[13] += x13; b[14] += x14; b[15] += x15;
}

// BlockMix: b (32r words) → out (32r words), even blocks first, then odd.
function blockMix(b, out, r, t) {
  t.set(b.subarray((2 * r - 1) * 16, 2 * r * 16));
  for (let i = 0; i < 2 * r; i++) {
    for (let j = 0; j < 16; j++) t[j] ^= b[i * 16 + j];
    salsa8(t);
    out.set(t, ((i & 1) * r + (i >> 1)) * 16);
  }
}

function roMix(block, n, r, v) {
  const words = 32 * r;
  let x = block;
  let y = new Uint32Array(words);
  const t = new Uint32Array(16);
  for (let i = 0; i < n; i++) {
    v.set(x, i * words);
    blockMix(x, y, r, t);
    [x, y] = [y, x];
  }
  for (let i = 0; i < n; i++) {
    const j = x[(2 * r - 1) * 16] & (n - 1);
    for (let k = 0; k < words; k++) x[k] ^= v[j * words + k];
    blockMix(x, y, r, t);
    [x, y] = [y, x];
  }
  return x;
}

/**
 * scrypt(password, salt, N, r, p, length) over Uint8Arrays. N must be a power of two;
 * memory is 128·N·r bytes.
 */
export function scrypt(password, salt, n, r, p, length) {
  if (n < 2 || (n & (n - 1)) !== 0) throw new Error('N must be a power of two greater than 1');
  const blockBytes = 128 * r;
  const b = pbkdf2Sha256(password, salt, 1, p * blockBytes);
  const view = new DataView(b.buffer);
  const v = new Uint32Array(32 * r * n);
  for (let i = 0; i < p; i++) {
    const block = new Uint32Array(32 * r);
    for (let k = 0; k < block.length; k++) block[k] = view.getUint32(i * blockBytes + 4 * k, true);
    const mixed = roMix(block, n, r, v);
    for (let k = 0; k < mixed.length; k++) view.setUint32(i * blockBytes + 4 * k, mixed[k], true);
  }
  return pbkdf2Sha256(password, b, 1, length);
}

/** The number of leading zero bits of a byte string. */
export function leadingZeroBits(bytes) {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}
