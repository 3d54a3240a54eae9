/**
 * The control room's router: hash routes (`#/runs`, `#/runs/<id>`, `#/experiments/<name>`,
 * `#/start`), the session shown in the header, and the token form when the server asks for one.
 */
import { currentSession, login } from './api.js';
import { showExperiment } from './experiment.js';
import { esc } from './format.js';
import { showLive } from './live.js';
import { showRuns } from './runs.js';
import { showStart } from './start.js';

const main = document.querySelector('main');
let leave = () => {};

async function route() {
  leave();
  leave = () => {};
  const session = await currentSession();
  const who = document.querySelector('[data-session]');
  if (!session) {
    who.textContent = 'not signed in';
    return showLogin();
  }
  who.innerHTML = `${esc(session.user)} <span class="badge ${session.role === 'operator' ? 'passed' : 'other'}" data-session-role="${esc(session.role)}">${esc(session.role)}</span>`;
  const [path, query] = (location.hash.slice(1) || '/runs').split('?');
  const params = new URLSearchParams(query ?? '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('current', a.getAttribute('href') === `#/${parts[0]}`);
  const view = document.createElement('div');
  main.replaceChildren(view);
  try {
    if (parts[0] === 'runs' && parts[1]) leave = (await showLive(view, parts[1], session)) ?? leave;
    else if (parts[0] === 'experiments' && parts[1]) await showExperiment(view, parts[1], params);
    else if (parts[0] === 'start') await showStart(view, params, session);
    else leave = (await showRuns(view, params)) ?? leave;
  } catch (err) {
    view.innerHTML = `<div class="infra-error" role="alert"><strong>${esc(err.code ?? 'error')}</strong>: ${esc(err.message)}</div>`;
  }
}

function showLogin() {
  main.innerHTML = `<section class="panel login"><h1>Sign in</h1><p>This server needs a token (ask whoever runs <code>squall serve --tokens</code>). Viewers watch; operators also start, abort, pause and add notes.</p>
<form data-login><label for="token">Token</label><input id="token" type="password" autocomplete="off" required><button type="submit" class="primary">Sign in</button></form><p class="message breached" data-message></p></section>`;
  main.querySelector('[data-login]').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await login(main.querySelector('#token').value);
      route();
    } catch (err) {
      main.querySelector('[data-message]').textContent = err.message;
    }
  });
}

window.addEventListener('hashchange', route);
route();
