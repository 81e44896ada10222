// The faucet page: checks the address as it is typed, solves the proof of work in a worker when
// the faucet asks for one, requests the grant and follows it to its block. Everything it shows
// comes from the public API of the server that served it.
import { addressState } from './eth.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
const GRANT_POLL_MS = 1000;

const facts = { payout: null, powDifficulty: 0, paused: false };
let busy = false;

// --- talking to the API ---

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch {
    return { ok: false, status: 0, body: { code: 'OFFLINE' } };
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // not JSON: an error page from something in between
  }
  return { ok: response.ok, status: response.status, body: json || {}, retryAfter: response.headers.get('Retry-After') };
}

// --- numbers and times in plain words ---

/** A DYT decimal string with its thousands grouped; {@code places} cuts the fraction (for display only). */
function dyt(amount, places) {
  if (amount === null || amount === undefined) return '–';
  const [whole, all] = String(amount).split('.');
  const fraction = all && places !== undefined ? all.slice(0, places).replace(/0+$/, '') : all;
  let grouped;
  try {
    grouped = BigInt(whole).toLocaleString('en-US');
  } catch {
    grouped = whole;
  }
  return `${grouped}${fraction ? '.' + fraction : ''} DYT`;
}

function comeBack(resetAt, retryAfterSeconds) {
  let when = resetAt ? new Date(resetAt) : null;
  if (!when || Number.isNaN(when.getTime())) {
    const seconds = Number(retryAfterSeconds);
    if (!Number.isFinite(seconds)) return 'later';
    when = new Date(Date.now() + seconds * 1000);
  }
  const minutes = Math.max(1, Math.ceil((when.getTime() - Date.now()) / 60000));
  const hours = Math.floor(minutes / 60);
  const wait = hours === 0 ? `${minutes} min` : minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const sameDay = when.toDateString() === new Date().toDateString();
  const clock = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const at = sameDay ? clock : `${when.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })} ${clock}`;
  return `at ${at} (in ${wait})`;
}

const LIMITS = {
  address: 'This address has already received DYT recently.',
  ip: 'Your connection has already received its share of DYT for today.',
  subnet: 'Your network has already received its share of DYT for today.',
  suspicious: 'Too many different addresses were requested from your connection.',
  requests: 'Too many requests from your connection in the last minute.',
  daily_cap: 'The faucet has given out all it may for now.',
};

function explain(answer) {
  const body = answer.body;
  const details = body.details || {};
  switch (body.code) {
    case 'RATE_LIMIT':
      return `${LIMITS[details.scope] || 'Too many requests.'} Come back ${comeBack(details.resetAt, answer.retryAfter)}.`;
    case 'BLOCKED':
      return details.scope === 'address'
        ? 'This address is blocked by the faucet operator.'
        : 'Requests from your connection are blocked by the faucet operator.';
    case 'FAUCET_PAUSED':
      return `The faucet is paused${details.reason ? ': ' + details.reason : ''}. Please come back later.`;
    case 'INSUFFICIENT_BALANCE':
      return 'The faucet is empty right now. Please come back later.';
    case 'DATABASE_BUSY':
      return 'The faucet is busy right now. Please try again in a moment.';
    case 'NODE_UNAVAILABLE':
    case 'RPC_TIMEOUT':
    case 'RPC_ERROR':
      return 'The chain node is not answering right now. Please try again in a minute.';
    case 'INVALID_ADDRESS':
      return `The faucet did not accept this address: ${body.message}.`;
    case 'POW_REQUIRED':
    case 'POW_INVALID':
      return 'The proof of work was not accepted (it may have expired). Please request again.';
    case 'OFFLINE':
      return 'The faucet server cannot be reached. Check your connection and try again.';
    default:
      return body.message ? `The faucet refused: ${body.message}.` : `The faucet answered with an error (${answer.status}).`;
  }
}

// --- the address, checked as it is typed ---

function hintFor(state, text) {
  switch (state) {
    case 'empty': return 'A 0x address: 40 hexadecimal characters.';
    case 'incomplete': return `Keep typing: ${42 - text.length} more characters.`;
    case 'short': return `Too short: an address has 40 hexadecimal characters after 0x, this one has ${Math.max(0, text.length - 2)}.`;
    case 'malformed': return 'This is not an address: it must be 0x followed by 40 hexadecimal characters (0-9, a-f).';
    case 'checksum': return 'The capital letters do not match the address\u2019s EIP-55 checksum: there may be a typo. Copy it again from your wallet.';
    default: return 'Valid address.';
  }
}

function checkAddress(finished) {
  const input = $('address');
  const text = input.value.trim();
  let state = addressState(text);
  if (state === 'incomplete' && finished) state = 'short';
  const hint = $('address-hint');
  hint.textContent = hintFor(state, text);
  hint.dataset.state = state;
  input.dataset.state = state;
  input.setAttribute('aria-invalid', String(state === 'malformed' || state === 'checksum' || state === 'short'));
  updateButton();
  return state;
}

function updateButton() {
  const valid = $('address-hint').dataset.state === 'valid';
  $('request').disabled = busy || facts.paused || !valid;
  $('button-amount').textContent = facts.payout ? dyt(facts.payout) : 'DYT';
}

// --- what the faucet says about itself ---

async function refresh() {
  const [status, info] = await Promise.all([call('GET', '/api/status'), call('GET', '/api/faucet/info')]);
  if (status.ok) {
    const s = status.body;
    $('balance').textContent = dyt(s.faucetBalance, 4);
    $('height').textContent = s.height === null || s.height === undefined ? '–' : Number(s.height).toLocaleString('en-US');
    $('node-down').hidden = s.nodeStatus !== 'unreachable';
    facts.paused = Boolean(s.paused);
    showPaused(s.paused, s.pausedReason);
  } else {
    $('node-down').hidden = false;
  }
  // an older server without /api/faucet/info: the page works without payout and difficulty
  if (info.ok) {
    const i = info.body;
    const pow = i.proofOfWork || {};
    facts.payout = i.payout ?? null;
    facts.powDifficulty = pow.enabled ? Number(pow.difficulty) || 0 : 0;
    if (i.paused !== undefined) {
      facts.paused = Boolean(i.paused);
      showPaused(i.paused, i.pausedReason);
    }
  }
  $('payout').textContent = dyt(facts.payout);
  $('pow-difficulty').textContent = info.ok
    ? (facts.powDifficulty > 0 ? `on (${facts.powDifficulty} bits, done in your browser)` : 'off')
    : '–';
  updateButton();
}

function showPaused(paused, reason) {
  $('paused').hidden = !paused;
  $('paused-reason').textContent = paused ? (reason || 'No reason was given.') : '';
}

// --- proof of work ---

let worker = null;

async function solve(address) {
  const answer = await call('GET', `/api/faucet/challenge?address=${encodeURIComponent(address)}`);
  if (!answer.ok) throw answer;
  const c = answer.body;
  if (!c.challenge || !(c.difficulty > 0)) return undefined;
  const expected = 2 ** c.difficulty;
  $('pow').hidden = false;
  $('pow-progress').value = 0;
  $('pow-text').textContent = `Solving a small puzzle in your browser so the faucet stays fair (about ${expected.toLocaleString('en-US')} tries)…`;
  worker = new Worker(new URL('./pow-worker.js', import.meta.url), { type: 'module' });
  try {
    const nonce = await new Promise((resolve, reject) => {
      worker.onmessage = (m) => {
        const tried = m.data.tried;
        $('pow-progress').value = Math.min(99, Math.round((100 * tried) / expected));
        if (m.data.type === 'solved') {
          $('pow-progress').value = 100;
          $('pow-text').textContent = `Puzzle solved after ${tried.toLocaleString('en-US')} tries.`;
          resolve(m.data.nonce);
        } else {
          $('pow-text').textContent = `Solving a small puzzle in your browser: ${tried.toLocaleString('en-US')} of about ${expected.toLocaleString('en-US')} tries…`;
        }
      };
      worker.onerror = () => reject({ ok: false, status: 0, body: { message: 'the proof-of-work solver stopped' } });
      worker.postMessage({ challenge: c.challenge, address, n: c.n, r: c.r, p: c.p, difficulty: c.difficulty });
    });
    return { challenge: c.challenge, nonce };
  } finally {
    worker.terminate();
    worker = null;
  }
}

// --- requesting and following a grant ---

async function request(event) {
  event.preventDefault();
  const address = $('address').value.trim();
  if (busy || checkAddress(true) !== 'valid') return;
  busy = true;
  updateButton();
  $('error').hidden = true;
  $('result').hidden = true;
  $('pow').hidden = true;
  try {
    let pow = facts.powDifficulty > 0 ? await solve(address) : undefined;
    let answer = await call('POST', '/api/faucet', pow ? { address, pow } : { address });
    if (!answer.ok && (answer.body.code === 'POW_REQUIRED' || answer.body.code === 'POW_INVALID')) {
      // the difficulty changed since the page last looked, or the challenge expired: one fresh try
      pow = await solve(address);
      answer = await call('POST', '/api/faucet', pow ? { address, pow } : { address });
    }
    if (answer.ok) {
      follow(answer.body);
    } else {
      showError(answer);
    }
  } catch (failure) {
    showError(failure && failure.body ? failure : { status: 0, body: { code: 'OFFLINE' } });
  } finally {
    busy = false;
    updateButton();
    refresh();
  }
}

function showError(answer) {
  const box = $('error');
  box.textContent = explain(answer);
  box.dataset.code = answer.body.code || String(answer.status);
  box.dataset.resetAt = (answer.body.details && answer.body.details.resetAt) || '';
  box.hidden = false;
  box.focus();
}

const STATUS_WORDS = {
  pending: 'Accepted; the transaction is being sent.',
  submitted: 'Sent; waiting for a block.',
  confirmed: 'Confirmed: the DYT is in your account.',
  failed: 'The transaction failed; nothing was paid and your quota was given back.',
};

function render(grant) {
  $('grant-status').textContent = grant.status === 'confirmed' && grant.blockNumber !== null
    ? `Confirmed in block ${Number(grant.blockNumber).toLocaleString('en-US')}: the DYT is in your account.`
    : (STATUS_WORDS[grant.status] || grant.status) + (grant.failureReason ? ` (${grant.failureReason})` : '');
  $('grant-status').dataset.status = grant.status;
  $('grant-amount').textContent = dyt(grant.amount) + reductions(grant.factors);
  $('tx-hash').textContent = grant.txHash || 'not sent yet';
  $('block-number').textContent = grant.blockNumber === null || grant.blockNumber === undefined
    ? 'not in a block yet'
    : `${Number(grant.blockNumber).toLocaleString('en-US')} (${grant.confirmations} confirmation${grant.confirmations === 1 ? '' : 's'})`;
  // a 202 (pending) has its hash already, but the node has not taken the transaction yet: not sent until submitted
  $('step-submitted').classList.toggle('done', grant.status === 'submitted' || grant.status === 'confirmed');
  $('step-confirmed').classList.toggle('done', grant.status === 'confirmed');
}

const REDUCTIONS = {
  governor: 'the faucet is busy, so payouts are smaller for now',
  reputation: 'requests from your network get a smaller share',
};

/** Why a payout was smaller than the usual drip, from the rules the server says scaled it. */
function reductions(factors) {
  if (!Array.isArray(factors) || factors.length === 0) return '';
  return ` (reduced: ${factors.map((f) => REDUCTIONS[f.name] || f.name).join('; ')})`;
}

let following = 0;

function follow(grant) {
  const mine = ++following;
  $('result').hidden = false;
  render(grant);
  $('result').focus();
  const poll = async () => {
    if (mine !== following) return;
    const answer = await call('GET', `/api/faucet/grants/${encodeURIComponent(grant.grantId)}`);
    if (mine !== following) return;
    if (answer.ok) {
      render(answer.body);
      if (answer.body.status === 'confirmed' || answer.body.status === 'failed') {
        refresh(); // the balance and height the grant changed
        return;
      }
    }
    setTimeout(poll, GRANT_POLL_MS);
  };
  setTimeout(poll, GRANT_POLL_MS);
}

// --- start ---

$('address').addEventListener('input', () => checkAddress(false));
$('address').addEventListener('change', () => checkAddress(true));
$('request-form').addEventListener('submit', request);
checkAddress(false);
refresh();
setInterval(refresh, REFRESH_MS);
