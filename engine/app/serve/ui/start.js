/**
 * Start a run (`#/start`): pick an experiment or suite from the server's library, read its plan
 * and blast radius (as `squall plan` prints them) for the vars typed in, then confirm; the page
 * moves to the live run, which shows it queued while another run holds the lock.
 */
import { ApiError, getJSON, post } from './api.js';
import { esc } from './format.js';

export async function showStart(root, params, session) {
  const library = await getJSON('/api/library');
  const viewer = session?.role !== 'operator';
  root.innerHTML = `<header class="page-head"><div><h1>Start a run</h1><p class="muted">Pick a file from the library; check its plan and blast radius before you confirm.</p></div></header>
<div class="grid-2 start"><section><h2>Library</h2><ul class="library plain">${library
    .map(
      (f) =>
        `<li><label><input type="radio" name="file" value="${esc(f.file)}" ${f.file === params.get('file') ? 'checked' : ''}> <strong>${esc(f.name)}</strong> <span class="badge other">${esc(f.kind)}</span><br><span class="muted">${esc(f.description ?? '')} <code>${esc(f.file)}</code></span></label></li>`,
    )
    .join('')}</ul></section>
<section data-detail><p class="muted">Choose an experiment or a suite.</p></section></div>`;
  const detail = root.querySelector('[data-detail]');
  const choose = (file) => {
    const entry = library.find((f) => f.file === file);
    if (entry) showDetail(detail, entry, viewer);
  };
  for (const radio of root.querySelectorAll('input[name="file"]'))
    radio.addEventListener('change', () => choose(radio.value));
  if (params.get('file')) choose(params.get('file'));
}

function inputFor(v) {
  const id = `var-${v.name}`;
  const value = v.default ?? '';
  if (v.type === 'boolean')
    return `<label><input type="checkbox" id="${esc(id)}" name="${esc(v.name)}" data-type="boolean" ${value === true || value === 'true' ? 'checked' : ''}> ${esc(v.name)}</label>`;
  const type = v.type === 'number' ? 'number' : 'text';
  const step = v.type === 'number' ? ' step="any"' : '';
  return `<label for="${esc(id)}">${esc(v.name)} <span class="muted">${esc(v.type ?? 'string')}</span></label><input id="${esc(id)}" name="${esc(v.name)}" type="${type}"${step} value="${esc(value)}" data-type="${esc(v.type ?? 'string')}">`;
}

function varsOf(form) {
  const vars = {};
  for (const el of form.querySelectorAll('input[data-type]')) {
    if (el.dataset.type === 'boolean') vars[el.name] = el.checked;
    else if (el.dataset.type === 'number') vars[el.name] = el.value === '' ? '' : Number(el.value);
    else vars[el.name] = el.value;
  }
  return vars;
}

function showDetail(root, entry, viewer) {
  const off = viewer ? 'disabled title="Viewers cannot start runs; sign in with an operator token."' : '';
  root.innerHTML = `<h2>${esc(entry.name)}</h2><p>${esc(entry.description ?? '')}</p>
<form data-vars>${entry.vars.length ? `<fieldset><legend>Vars</legend><div class="vars">${entry.vars.map(inputFor).join('')}</div></fieldset>` : '<p class="muted">This file has no vars.</p>'}
<div class="buttons"><button type="button" data-replan>Update plan</button><button type="submit" class="primary" data-start ${off}>Start run…</button></div></form>
<div data-plan><p class="muted">loading the plan…</p></div><p class="message" data-message role="status"></p>`;
  const form = root.querySelector('[data-vars]');
  const message = root.querySelector('[data-message]');
  const plan = async () => {
    const q = new URLSearchParams({ file: entry.file, vars: JSON.stringify(varsOf(form)) });
    try {
      const p = await getJSON(`/api/library/plan?${q}`);
      root.querySelector('[data-plan]').innerHTML = planOf(p);
    } catch (err) {
      root.querySelector('[data-plan]').innerHTML = `<div class="infra-error">${esc(err.message)}</div>`;
    }
  };
  root.querySelector('[data-replan]').addEventListener('click', plan);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!window.confirm(`Start ${entry.name}? Its faults are injected into the system in the plan.`)) return;
    try {
      const { runId } = await post('/api/runs', { file: entry.file, vars: varsOf(form) });
      location.hash = `#/runs/${encodeURIComponent(runId)}`;
    } catch (err) {
      message.className = 'message breached';
      message.textContent = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
    }
  });
  plan();
}

/** `{ proxy: 'api-proxy' }` → `proxy api-proxy`, as `squall plan` names a target. */
const targetText = (t) =>
  typeof t === 'string'
    ? t
    : Object.entries(t ?? {})
        .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
        .join(', ');

function planOf(p) {
  const faults = (p.faults ?? []).map(
    (f) =>
      `<tr><td><strong>${esc(f.name)}</strong></td><td><code>${esc(f.kind)}</code></td><td>${esc(targetText(f.target))}</td><td>${esc(f.agent)}</td><td class="num">${esc(f.at)}</td><td class="num">${esc(f.duration)}</td></tr>`,
  );
  return `<h3>Blast radius</h3><p class="blast" data-blast>${esc(p.blastRadius ?? '—')}</p>
${faults.length ? `<table><thead><tr><th>fault</th><th>kind</th><th>target</th><th>agent</th><th>at</th><th>for</th></tr></thead><tbody>${faults.join('')}</tbody></table>` : ''}
<details open><summary>Plan as <code>squall plan</code> prints it</summary><pre data-plan-text>${esc(p.text)}</pre></details>`;
}
