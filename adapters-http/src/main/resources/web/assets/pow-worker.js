// Solves the faucet's proof of work off the page's thread: tries nonces 0, 1, 2, … until
// scrypt(challenge:address:nonce, challenge) has the required leading zero bits.
import { scrypt, leadingZeroBits } from './scrypt.js';

self.onmessage = (event) => {
  const { challenge, address, n, r, p, difficulty } = event.data;
  const encoder = new TextEncoder();
  const salt = encoder.encode(challenge);
  const prefix = `${challenge}:${address.toLowerCase()}:`;
  let lastReport = 0;
  for (let nonce = 0; ; nonce++) {
    const hash = scrypt(encoder.encode(prefix + nonce), salt, n, r, p, 32);
    if (leadingZeroBits(hash) >= difficulty) {
      self.postMessage({ type: 'solved', nonce: String(nonce), tried: nonce + 1 });
      return;
    }
    const now = Date.now();
    if (now - lastReport > 200) {
      lastReport = now;
      self.postMessage({ type: 'progress', tried: nonce + 1 });
    }
  }
};
