/**
 * The approval console page: one self-contained document (no external assets) whose script only
 * ever writes request data through `textContent`, so a payload cannot inject markup.
 */
export function renderConsolePage(options: { nonce: string; title: string }): string {
  const title = escapeHtml(options.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style nonce="${options.nonce}">${STYLE}</style>
</head>
<body>
<header><h1>${title}</h1><span id="who" data-testid="who"></span></header>
<main>
  <section id="signin" data-testid="signin">
    <h2>Sign in</h2>
    <p>Paste your approver token. It stays in this tab only.</p>
    <label for="token">Approver token</label>
    <input id="token" data-testid="token" type="password" autocomplete="off">
    <button id="signin-button" data-testid="signin-button" type="button">Sign in</button>
    <p id="signin-error" class="error" role="alert"></p>
  </section>
  <section id="queue" hidden>
    <h2>Pending requests <span id="count" data-testid="count"></span></h2>
    <table>
      <thead><tr><th>Tool</th><th>Effect</th><th>Target</th><th>Agent</th><th>User</th><th>Time left</th><th></th></tr></thead>
      <tbody id="rows" data-testid="rows"></tbody>
    </table>
    <p id="empty" data-testid="empty" hidden>Nothing is waiting for a decision.</p>
  </section>
  <section id="detail" data-testid="detail" hidden>
    <h2>Review <code id="d-tool" data-testid="d-tool"></code></h2>
    <dl>
      <dt>Request</dt><dd><code id="d-id" data-testid="d-id"></code></dd>
      <dt>Status</dt><dd id="d-status" data-testid="d-status"></dd>
      <dt>Time left</dt><dd id="d-time" data-testid="d-time"></dd>
      <dt>Effect</dt><dd id="d-effect" data-testid="d-effect"></dd>
      <dt>Target system</dt><dd id="d-target" data-testid="d-target"></dd>
      <dt>Side effects</dt><dd><ul id="d-side-effects" data-testid="d-side-effects"></ul></dd>
      <dt>Agent's rationale</dt><dd id="d-rationale" data-testid="d-rationale"></dd>
      <dt>Agent</dt><dd id="d-agent" data-testid="d-agent"></dd>
      <dt>On behalf of</dt><dd id="d-user" data-testid="d-user"></dd>
      <dt>Delegation chain</dt><dd><ol id="d-chain" data-testid="d-chain"></ol></dd>
      <dt>Audience</dt><dd id="d-audience" data-testid="d-audience"></dd>
      <dt>Why a human</dt><dd id="d-policy" data-testid="d-policy"></dd>
      <dt>Digest</dt><dd><code id="d-digest" data-testid="d-digest"></code></dd>
    </dl>
    <h3>Exact payload <small id="d-size" data-testid="d-size"></small></h3>
    <pre id="d-payload" data-testid="d-payload"></pre>
    <label for="reason">Reason (recorded with your decision)</label>
    <textarea id="reason" data-testid="reason" maxlength="2000" rows="2"></textarea>
    <div class="actions">
      <button id="approve" data-testid="approve" type="button" class="approve">Approve exactly this</button>
      <button id="deny" data-testid="deny" type="button" class="deny">Deny</button>
      <button id="back" data-testid="back" type="button">Back to the list</button>
    </div>
    <p id="result" data-testid="result" role="status"></p>
  </section>
</main>
<script nonce="${options.nonce}">${SCRIPT}</script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{display:flex;justify-content:space-between;align-items:center;padding:.6rem 1.2rem;background:#1b1f24;color:#fff}
header h1{font-size:1.1rem;margin:0}
main{max-width:70rem;margin:1rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:1rem 1.2rem;margin-bottom:1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eceff2;vertical-align:top}
dl{display:grid;grid-template-columns:12rem 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
pre{background:#0f1720;color:#e6edf3;padding:.8rem;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:none}
textarea,input{width:100%;box-sizing:border-box;font:inherit;padding:.35rem;margin:.25rem 0 .6rem}
button{font:inherit;padding:.4rem .9rem;margin-right:.5rem;border-radius:4px;border:1px solid #8c959f;background:#fff;cursor:pointer}
button.approve{background:#1a7f37;color:#fff;border-color:#1a7f37}button.deny{background:#cf222e;color:#fff;border-color:#cf222e}
button:disabled{opacity:.5;cursor:not-allowed}.error{color:#cf222e}.expired{color:#cf222e;font-weight:600}
`;

const SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem('palisade-approver-token') || '', csrf: '', offset: 0, current: null };

function text(id, value) { $(id).textContent = value === undefined || value === null || value === '' ? '(none)' : String(value); }
function list(id, items) {
  const target = $(id);
  target.replaceChildren();
  for (const item of items) { const li = document.createElement('li'); li.textContent = item; target.append(li); }
  if (items.length === 0) { const li = document.createElement('li'); li.textContent = '(none)'; target.append(li); }
}
function now() { return Date.now() + state.offset; }
function timeLeft(expiresAt) {
  const ms = expiresAt - now();
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h > 0 ? h + 'h ' : '') + (h > 0 || m > 0 ? m + 'm ' : '') + r + 's';
}
function describeUser(user) {
  if (!user) return '(no user: the agent acts on its own)';
  return user.id + ' (roles: ' + (user.roles.join(', ') || 'none') + (user.tenant ? '; tenant ' + user.tenant : '') + ')';
}

async function api(path, init) {
  const headers = { authorization: 'Bearer ' + state.token };
  if (init && init.body !== undefined) { headers['content-type'] = 'application/json'; headers['x-palisade-csrf'] = state.csrf; }
  const response = await fetch(path, Object.assign({ headers, cache: 'no-store', credentials: 'omit' }, init));
  const body = await response.json().catch(() => ({}));
  if (body.serverTime) state.offset = body.serverTime - Date.now();
  if (!response.ok) throw new Error((body.error && body.error.message) || ('HTTP ' + response.status));
  return body;
}

async function signIn() {
  $('signin-error').textContent = '';
  try {
    const session = await api('api/session');
    state.csrf = session.csrfToken;
    sessionStorage.setItem('palisade-approver-token', state.token);
    $('who').textContent = 'Signed in as ' + session.approver.id;
    $('signin').hidden = true;
    await showQueue();
  } catch (error) {
    sessionStorage.removeItem('palisade-approver-token');
    $('signin-error').textContent = 'Sign-in failed: ' + error.message;
  }
}

async function showQueue() {
  state.current = null;
  $('detail').hidden = true;
  $('queue').hidden = false;
  const { approvals } = await api('api/approvals');
  const rows = $('rows');
  rows.replaceChildren();
  for (const request of approvals) {
    const tr = document.createElement('tr');
    tr.dataset.testid = 'row';
    tr.dataset.approvalId = request.id;
    for (const value of [request.tool, request.effect, request.target || '(none)', request.agent.name || request.agent.id,
      request.user ? request.user.id : '(none)', timeLeft(request.expiresAt)]) {
      const td = document.createElement('td'); td.textContent = value; tr.append(td);
    }
    const td = document.createElement('td');
    const button = document.createElement('button');
    button.type = 'button'; button.textContent = 'Review'; button.dataset.testid = 'review';
    button.addEventListener('click', () => showDetail(request.id));
    td.append(button); tr.append(td); rows.append(tr);
  }
  $('count').textContent = '(' + approvals.length + ')';
  $('empty').hidden = approvals.length > 0;
}

async function showDetail(id) {
  const { approval } = await api('api/approvals/' + encodeURIComponent(id));
  state.current = approval;
  $('queue').hidden = true;
  $('detail').hidden = false;
  $('result').textContent = '';
  $('reason').value = '';
  text('d-tool', approval.tool);
  text('d-id', approval.id);
  text('d-status', approval.status);
  text('d-effect', approval.effect + ' (' + approval.kind + ')');
  text('d-target', approval.target);
  list('d-side-effects', approval.sideEffects);
  text('d-rationale', approval.rationale);
  text('d-agent', approval.agent.id + (approval.agent.name ? ' (' + approval.agent.name + ')' : '') +
    (approval.agent.instance ? ', instance ' + approval.agent.instance : ''));
  text('d-user', describeUser(approval.user));
  list('d-chain', approval.delegation);
  text('d-audience', approval.audience);
  text('d-policy', approval.policy ? approval.policy.reason + ' [rules: ' + approval.policy.ruleIds.join(', ') + ']' : undefined);
  text('d-digest', approval.digest);
  const pretty = JSON.stringify(approval.input, null, 2);
  $('d-payload').textContent = pretty;
  $('d-size').textContent = '(' + new TextEncoder().encode(pretty).length + ' bytes, shown in full)';
  tick();
  const open = approval.status === 'pending';
  $('approve').disabled = !open;
  $('deny').disabled = !open;
}

function tick() {
  const approval = state.current;
  if (!approval) return;
  const left = approval.status === 'pending' ? timeLeft(approval.expiresAt) : '(' + approval.status + ')';
  $('d-time').textContent = left;
  $('d-time').className = left === 'expired' ? 'expired' : '';
  if (left === 'expired') { $('approve').disabled = true; $('deny').disabled = true; }
}

async function decide(approve) {
  const approval = state.current;
  if (!approval) return;
  $('approve').disabled = true;
  $('deny').disabled = true;
  try {
    const reason = $('reason').value.trim();
    const body = JSON.stringify(reason ? { digest: approval.digest, reason } : { digest: approval.digest });
    const result = await api('api/approvals/' + encodeURIComponent(approval.id) + '/' + (approve ? 'approve' : 'deny'),
      { method: 'POST', body });
    state.current = result.approval;
    text('d-status', result.approval.status);
    tick();
    $('result').textContent = (approve ? 'Approved' : 'Denied') + ' by ' + result.decision.approver + '.';
  } catch (error) {
    $('result').textContent = 'Not recorded: ' + error.message;
    const open = state.current && state.current.status === 'pending';
    $('approve').disabled = !open;
    $('deny').disabled = !open;
  }
}

$('signin-button').addEventListener('click', () => { state.token = $('token').value.trim(); signIn(); });
$('token').addEventListener('keydown', (event) => { if (event.key === 'Enter') $('signin-button').click(); });
$('approve').addEventListener('click', () => decide(true));
$('deny').addEventListener('click', () => decide(false));
$('back').addEventListener('click', () => showQueue().catch((error) => { $('result').textContent = error.message; }));
setInterval(() => {
  tick();
  if (!$('queue').hidden && state.csrf) showQueue().catch(() => undefined);
}, 1000);
if (state.token) signIn();
`;
