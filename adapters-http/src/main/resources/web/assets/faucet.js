// The faucet page: checks the address as it is typed, solves the proof of work in a worker when
// the faucet asks for one, requests the grant and follows it to its block. Everything it shows
// comes from the public API of the server that served it.
import { addressState } from './eth.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
const GRANT_POLL_MS = 1000;
/** A GET the server has not answered in this long is given up (a slow server must not leave the page waiting). */
const READ_TIMEOUT_MS = 10000;
/** The request itself: the server answers within FAUCET_SEND_WAIT_MS (40 ms) when it is well; 20 s is a dead one. */
const REQUEST_TIMEOUT_MS = 20000;
/** A confirmed grant stays watched this long in blocks, when the server does not say (REORG_WATCH_BLOCKS' default). */
const REORG_WATCH_BLOCKS = 64;
/** A 429 without a Retry-After (a proxy's, say): a minute, the request limit's window. */
const DEFAULT_RETRY_AFTER_S = 60;
/** A grant not in a block after this long is said to be slow (a few block times of a busy chain). */
const SLOW_GRANT_MS = 30000;

// confirmations and reorgWatchBlocks: the server's finality (GET /api/faucet/info), null until it said
const facts = { payout: null, powDifficulty: 0, paused: false, confirmations: null, reorgWatchBlocks: null };
let busy = false;

// --- talking to the API ---

/**
 * Until when (ms since the epoch) the server asked this page to send nothing: a 429 of the request limit, for its
 * Retry-After. Every request waits for it, the status polling and the grant's included, so a page that was told to
 * slow down does not make it worse; the page tries again by itself when the time is up.
 */
let quietUntil = 0;
let quietTimer = null;

const waiting = () => Date.now() < quietUntil;

/** Seconds from a Retry-After header: a number of seconds or an HTTP date; null when it is neither. */
function retryAfterSeconds(header) {
  if (header === null || header === undefined || header === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

/**
 * A 429 that asks the page to slow down: the request limit ({@code scope: requests}), or one without our envelope (a
 * proxy's). A grant quota (address, ip, subnet, …) refuses grants, not reading the status: the page reads on.
 */
const slowDown = (status, body) => status === 429 && (!body || !body.details || !body.details.scope || body.details.scope === 'requests');

function quietFor(seconds) {
  quietUntil = Math.max(quietUntil, Date.now() + 1000 * (seconds ?? DEFAULT_RETRY_AFTER_S));
  $('throttled').hidden = false;
  showQuiet();
  if (!quietTimer) quietTimer = setInterval(showQuiet, 1000);
  updateButton();
}

function showQuiet() {
  if (waiting()) {
    say('throttled-wait', `in ${Math.max(1, Math.ceil((quietUntil - Date.now()) / 1000))} s`);
    return;
  }
  // the time is up: the banner goes, and the page looks again at once (a new 429 brings the banner back)
  clearInterval(quietTimer);
  quietTimer = null;
  $('throttled').hidden = true;
  updateButton();
  refresh();
}

/** What {@link call} answers without asking while the page waits: the refusal the server would give. */
const QUIET = { ok: false, status: 429, unsent: true, body: { code: 'RATE_LIMIT', details: { scope: 'requests' } } };

async function call(method, path, body, headers = {}) {
  if (waiting()) return QUIET;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { 'Content-Type': 'application/json', ...headers } : headers,
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
      signal: AbortSignal.timeout(method === 'GET' ? READ_TIMEOUT_MS : REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    return { ok: false, status: 0, body: { code: e && e.name === 'TimeoutError' ? 'TIMEOUT' : 'OFFLINE' } };
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // not JSON: an error page from something in between
  }
  const retryAfter = response.headers.get('Retry-After');
  if (slowDown(response.status, json)) quietFor(retryAfterSeconds(retryAfter));
  return { ok: response.ok, status: response.status, body: json || {}, retryAfter };
}

// --- numbers and times in plain words ---

/** Sets an element's text only when it changes: a live region re-reads any text set again, even the same. */
function say(id, text) {
  const element = $(id);
  if (element.textContent !== text) element.textContent = text;
}

/** A duration in plain words: "40 s", "3 min", "2 h 5 min". */
function duration(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

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
  requests: 'Too many requests from your network (this page counts too).',
  daily_cap: 'The faucet has given out all it may for now.',
};

function explain(answer) {
  const body = answer.body;
  const details = body.details || {};
  switch (body.code) {
    case 'RATE_LIMIT':
      if (slowDown(answer.status, body)) {
        return `${LIMITS.requests} Try again in ${Math.max(1, Math.ceil((quietUntil - Date.now()) / 1000))} s; the button comes back by itself.`;
      }
      return `${LIMITS[details.scope] || 'Too many requests.'} Come back ${comeBack(details.resetAt, answer.retryAfter)}.`;
    case 'BLOCKED':
      return details.scope === 'address'
        ? 'This address is blocked by the faucet operator.'
        : 'Requests from your connection are blocked by the faucet operator.';
    case 'FAUCET_PAUSED':
      return `The faucet is paused${details.reason ? ': ' + details.reason : ''}. Please come back later.`;
    case 'INSUFFICIENT_BALANCE':
      return 'The faucet is empty right now: its operator has to top it up. Please come back later.';
    case 'DATABASE_BUSY':
      return 'The faucet is busy right now. Please try again in a moment.';
    case 'NODE_UNAVAILABLE':
    case 'RPC_TIMEOUT':
    case 'RPC_ERROR':
      return 'The chain node is not answering right now. Please try again in a minute.';
    case 'INVALID_ADDRESS':
      return 'The faucet did not accept this address. Copy it again from your wallet.';
    case 'POW_REQUIRED':
    case 'POW_INVALID':
      return 'The proof of work was not accepted (it may have expired). Please request again.';
    case 'POW_STOPPED':
      return 'The proof-of-work puzzle stopped in your browser. Reload the page and request again.';
    case 'CANCELLED':
      return 'You cancelled the proof of work; nothing was requested. Press the button to start again.';
    case 'OFFLINE':
      return 'The faucet server cannot be reached. Check your connection and press the button again: '
        + 'a repeated request never pays twice.';
    case 'TIMEOUT':
      return 'The faucet server did not answer in time. Press the button again in a moment: '
        + 'a repeated request never pays twice.';
    default:
      return answer.status >= 500 || answer.status === 0 || !body.message
        ? `Something went wrong on the faucet's side (error ${answer.status || 'unknown'}). Please try again in a few minutes.`
        : `The faucet refused: ${body.message}.`;
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
  // read out when the verdict changes, not the count of characters left at every key (nor the same verdict again)
  hint.setAttribute('aria-live', state === 'incomplete' || state === 'empty' ? 'off' : 'polite');
  say('address-hint', hintFor(state, text));
  hint.dataset.state = state;
  input.dataset.state = state;
  input.setAttribute('aria-invalid', String(state === 'malformed' || state === 'checksum' || state === 'short'));
  updateButton();
  return state;
}

function updateButton() {
  const valid = $('address-hint').dataset.state === 'valid';
  $('request').disabled = busy || facts.paused || !valid || waiting();
  $('request-form').setAttribute('aria-busy', String(busy));
  say('request', busy ? 'Requesting…' : `Request ${facts.payout ? dyt(facts.payout) : 'DYT'}`);
}

// --- what the faucet says about itself ---

async function refresh() {
  const [status, info] = await Promise.all([call('GET', '/api/status'), call('GET', '/api/faucet/info')]);
  // no answer at all is the server (or the connection to it), not the node; a refusal (429) says nothing of either
  $('offline').hidden = status.status !== 0;
  if (status.ok) {
    const s = status.body;
    say('balance', dyt(s.faucetBalance, 4));
    say('height', s.height === null || s.height === undefined ? '–' : Number(s.height).toLocaleString('en-US'));
    showNode(s);
    facts.paused = Boolean(s.paused);
    showPaused(s.paused, s.operatorPauseReason, s.chainReset);
  }
  // an older server without /api/faucet/info: the page works without payout and difficulty
  if (info.ok) {
    const i = info.body;
    const pow = i.proofOfWork || {};
    facts.payout = i.payout ?? null;
    facts.powDifficulty = pow.enabled ? Number(pow.difficulty) || 0 : 0;
    const finality = i.finality || {};
    facts.confirmations = Number(finality.confirmations) > 0 ? Number(finality.confirmations) : null;
    facts.reorgWatchBlocks = Number(finality.reorgWatchBlocks) > 0 ? Number(finality.reorgWatchBlocks) : null;
    if (i.paused !== undefined) {
      facts.paused = Boolean(i.paused);
      showPaused(i.paused, i.operatorPauseReason, i.chainReset);
    }
  }
  say('payout', dyt(facts.payout));
  // no answer this time: what was shown stays
  if (info.ok) say('pow-difficulty', facts.powDifficulty > 0 ? `on (${facts.powDifficulty} bits, done in your browser)` : 'off');
  updateButton();
}

function showNode(s) {
  let words = '';
  if (s.nodeStatus === 'unreachable') {
    words = 'The chain node is not answering right now; requests may fail until it is back. Try again in a few minutes.';
  } else if (s.nodeStatus === 'degraded') {
    const lag = Number(s.nodeSyncLag) > 0 ? ` (${Number(s.nodeSyncLag).toLocaleString('en-US')} blocks behind)` : '';
    words = `The chain node is catching up${lag}: a grant may take longer than usual to be confirmed.`;
  }
  say('node-down', words);
  $('node-down').hidden = !words;
}

/** An operator's words as a sentence: a capital first, a full stop last. */
const sentence = (text) => text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.');

/**
 * The pause's reason in plain words: the operator's own (the answer's operatorPauseReason, as the operator wrote it),
 * then a chain reset's, told by the answer's chainReset field (never by any reason's words: an operator may write
 * anything there); both when both pause the faucet.
 */
function showPaused(paused, operatorReason, chainReset) {
  $('paused').hidden = !paused;
  let words = '';
  if (paused) {
    const reset = chainReset && chainReset.reason ? chainReset.reason : '';
    const operator = operatorReason || '';
    words = [operator ? sentence(operator) : '',
      reset ? `The test network was restarted as a new chain; the faucet waits for its operator to switch to it. (Details: ${reset}.)` : '',
    ].filter(Boolean).join(' ') || 'No reason was given.';
  }
  say('paused-reason', words);
}

// --- proof of work ---

let stopSolving = null;

async function solve(address) {
  const answer = await call('GET', `/api/faucet/challenge?address=${encodeURIComponent(address)}`);
  if (!answer.ok) throw answer;
  const c = answer.body;
  if (!c.challenge || !(c.difficulty > 0)) return undefined;
  const expected = 2 ** c.difficulty;
  let first = null; // the first report: the speed is measured from it, the worker's start left out
  $('pow').hidden = false;
  // the button that had the focus is disabled now: the focus goes to Cancel, where a keyboard can use it
  if (document.activeElement === $('request') || document.activeElement === document.body) $('pow-cancel').focus();
  $('pow-progress').value = 0;
  say('pow-count', '');
  say('pow-text', `Solving a small puzzle in your browser so the faucet stays fair (about ${expected.toLocaleString('en-US')} tries)…`);
  const worker = new Worker(new URL('./pow-worker.js', import.meta.url), { type: 'module' });
  try {
    const nonce = await new Promise((resolve, reject) => {
      stopSolving = () => reject({ ok: false, status: 0, body: { code: 'CANCELLED' } });
      worker.onmessage = (m) => {
        const tried = m.data.tried;
        $('pow-progress').value = Math.min(99, Math.round((100 * tried) / expected));
        if (m.data.type === 'solved') {
          $('pow-progress').value = 100;
          say('pow-count', '');
          say('pow-text', `Puzzle solved after ${tried.toLocaleString('en-US')} tries.`);
          resolve(m.data.nonce);
          return;
        }
        const now = Date.now();
        if (!first) first = { tried, at: now };
        const perSecond = (tried - first.tried) / ((now - first.at) / 1000);
        // the number of tries is luck: past the expected number it may end at any moment
        const left = !(perSecond > 0) ? '' : tried < expected
          ? `, about ${duration((expected - tried) / perSecond)} left`
          : ', taking longer than usual; it ends by luck, any moment now';
        say('pow-count', `${tried.toLocaleString('en-US')} of about ${expected.toLocaleString('en-US')} tries${left}.`);
        // said once, for a screen reader too, when two seconds have measured the speed
        if (!first.said && now - first.at >= 2000) {
          first.said = true;
          say('pow-text', `Solving a small puzzle in your browser so the faucet stays fair: about ${duration(expected / perSecond)} in all. You can cancel it.`);
        }
      };
      worker.onerror = () => reject({ ok: false, status: 0, body: { code: 'POW_STOPPED' } });
      worker.postMessage({ challenge: c.challenge, address, n: c.n, r: c.r, p: c.p, difficulty: c.difficulty });
    });
    return { challenge: c.challenge, nonce };
  } finally {
    worker.terminate();
    stopSolving = null;
  }
}

function cancelSolving() {
  if (stopSolving) stopSolving();
}

// --- requesting and following a grant ---

/** The last request the server did not answer (no connection, or too slow): repeated as it was if asked again. */
let unanswered = null;

/** A fresh request, with its own Idempotency-Key: repeating it with the key can never pay twice. */
function attempt(address, pow) {
  const key = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return { address, key, body: pow ? { address, pow } : { address } };
}

async function send(a) {
  const answer = await call('POST', '/api/faucet', a.body, { 'Idempotency-Key': a.key });
  // not sent (the page waits out a 429): nothing happened, and what was unanswered still is
  if (!answer.unsent) unanswered = answer.status === 0 ? a : null;
  return answer;
}

const powRefused = (answer) => !answer.ok && (answer.body.code === 'POW_REQUIRED' || answer.body.code === 'POW_INVALID');

async function request(event) {
  event.preventDefault();
  const address = $('address').value.trim();
  if (busy || checkAddress(true) !== 'valid') return;
  busy = true;
  updateButton();
  $('error').hidden = true;
  $('result').hidden = true;
  $('pow').hidden = true;
  following++;
  try {
    // the same address after no answer: the same request again, which the server answers with the grant it made, if any
    let answer = unanswered && unanswered.address === address ? await send(unanswered) : null;
    if (!answer || powRefused(answer)) {
      answer = await send(attempt(address, facts.powDifficulty > 0 ? await solve(address) : undefined));
    }
    if (powRefused(answer)) {
      // the difficulty changed since the page last looked, or the challenge expired: one fresh try
      answer = await send(attempt(address, await solve(address)));
    }
    if (answer.ok) {
      follow(answer.body);
    } else {
      showError(answer);
    }
  } catch (failure) {
    if (failure && failure.body && failure.body.code === 'CANCELLED') $('pow').hidden = true;
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

const SLOW = 'Taking longer than usual: the chain or the faucet is busy. Nothing to do: it goes on by itself; '
  + 'you may close this page and look in your wallet later.';

/**
 * What the grant's state means, in a sentence, and what to do next. {@code reorged}: a reorg took a block it was in;
 * {@code slow}: followed for a while and still not in a block.
 */
function words(grant, reorged, slow) {
  const block = grant.blockNumber === null || grant.blockNumber === undefined ? null : Number(grant.blockNumber).toLocaleString('en-US');
  switch (grant.status) {
    case 'pending':
      return ['Accepted; the transaction is being sent.', slow ? SLOW : 'Nothing to do: this page follows it to its block.'];
    case 'submitted':
      if (block !== null) {
        return [`In block ${block}; waiting for ${facts.confirmations ? `${facts.confirmations} confirmations` : 'a few more blocks'}`
          + ' before it counts as confirmed.',
          reorged ? 'A reorganisation took its first block away; the faucet sent it again. Nothing to do: it is paid once, never twice.'
            : 'Nothing to do: this page follows it.'];
      }
      return reorged
        ? ['The block that held your transaction left the chain (a reorganisation); the faucet is sending it again.',
          'Nothing to do: it will be paid once, never twice.']
        : ['Sent; waiting for a block.', slow ? SLOW : 'Nothing to do: this page follows it to its block.'];
    case 'confirmed':
      return [block === null ? 'Confirmed: the DYT is in your account.' : `Confirmed in block ${block}: the DYT is in your account.`,
        reorged ? 'A reorganisation took its first block away; the faucet sent it again, and it was paid once.' : ''];
    case 'failed':
      return ['The transaction failed; nothing was paid and your quota was given back.',
        `You can request again.${grant.failureReason ? ` (The faucet says: ${grant.failureReason}.)` : ''}`];
    default:
      return [String(grant.status), ''];
  }
}

function render(grant, reorged, slow) {
  const [sentence, next] = words(grant, reorged, slow);
  say('grant-status', sentence);
  $('grant-status').dataset.status = grant.status;
  say('grant-next', next);
  say('grant-amount', dyt(grant.amount) + reductions(grant.factors));
  say('tx-hash', grant.txHash || 'not sent yet');
  say('block-number', grant.blockNumber === null || grant.blockNumber === undefined
    ? (grant.status === 'failed' ? 'none: it was not mined' : 'not in a block yet')
    : `${Number(grant.blockNumber).toLocaleString('en-US')} (${confirmations(grant)})`);
  // a 202 (pending) has its hash already, but the node has not taken the transaction yet: not sent until submitted
  $('step-submitted').classList.toggle('done', grant.status === 'submitted' || grant.status === 'confirmed');
  $('step-confirmed').classList.toggle('done', grant.status === 'confirmed');
}

/**
 * "3 of 16 confirmations" while the grant waits for the server's depth; "20 confirmations" once it has it. The count is
 * the chain's, the status the faucet's, which its tracker records a pass later (a second or two on a busy server): the
 * count meanwhile stops at the depth ("16 of 16", never "18 of 16"), and the grant is called confirmed only once the
 * faucet records it so: what the page says never runs ahead of what the API and the faucet's other answers say.
 */
function confirmations(grant) {
  const counted = Number(grant.confirmations) || 0;
  const waiting = grant.status !== 'confirmed' && facts.confirmations;
  const n = waiting ? Math.min(counted, facts.confirmations) : counted;
  const of = waiting ? ` of ${facts.confirmations}` : '';
  return `${n}${of} confirmation${n === 1 && !of ? '' : 's'}`;
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

/**
 * Follows the grant: every second until it is confirmed or failed, then every few seconds while a reorg could still
 * take its block away (the server then sends it again, and the page says so).
 */
function follow(grant) {
  const mine = ++following;
  let reorged = false;
  let block = grant.blockNumber ?? null;
  let confirmed = false;
  const since = Date.now();
  $('result').hidden = false;
  render(grant, reorged);
  $('result').focus();
  const poll = async () => {
    if (mine !== following) return;
    const answer = await call('GET', `/api/faucet/grants/${encodeURIComponent(grant.grantId)}`);
    if (mine !== following) return;
    if (answer.ok) {
      const g = answer.body;
      // the block it was in is gone (no block now, or another one): a reorg, and the faucet sent it again
      reorged = reorged || (block !== null && (g.blockNumber ?? null) !== block);
      block = g.blockNumber ?? null;
      render(g, reorged, Date.now() - since > SLOW_GRANT_MS);
      if (g.status === 'failed' || (g.status === 'confirmed' && g.confirmations >= (facts.reorgWatchBlocks ?? REORG_WATCH_BLOCKS))) return;
      if (g.status === 'confirmed') {
        if (!confirmed) refresh(); // the balance and height the grant changed
        confirmed = true;
        later(poll, REFRESH_MS);
        return;
      }
    } else if (answer.status === 0) {
      say('grant-next', 'The page lost contact with the faucet server; it keeps trying. The grant goes on without it.');
    } else if (answer.status === 404) {
      say('grant-next', 'The faucet no longer knows this grant; look the transaction up in a block explorer.');
      return;
    }
    later(poll, GRANT_POLL_MS);
  };
  later(poll, GRANT_POLL_MS);
}

/** Runs {@code action} in {@code ms}, or when the page may ask the server again if that is later (a 429's wait). */
function later(action, ms) {
  setTimeout(action, Math.max(ms, quietUntil - Date.now()));
}

// --- start ---

// hidden in the HTML, which without a script could not work (the <noscript> curl line does instead)
$('request-form').hidden = false;
$('facts').hidden = false;
$('address').addEventListener('input', () => checkAddress(false));
$('address').addEventListener('change', () => checkAddress(true));
$('request-form').addEventListener('submit', request);
$('pow-cancel').addEventListener('click', cancelSolving);
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') cancelSolving(); });
checkAddress(false);
refresh();
setInterval(refresh, REFRESH_MS);
