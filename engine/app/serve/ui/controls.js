/**
 * The operator's controls, shown to everyone so a viewer knows they exist: abort (after a
 * confirm dialog: it rolls every fault back and ends the run with exit 3), pause / resume (holds
 * injections not yet made, never extends an active one) and a note for the journal. A viewer
 * sees them disabled with the reason; the server refuses them with 403 either way.
 */
import { post } from './api.js';
import { esc } from './format.js';

const VIEWER_TIP = 'Viewers watch; operators abort, pause and add notes. Sign in with an operator token.';

export function renderControls(root, runId, session) {
  const viewer = session?.role !== 'operator';
  const off = viewer ? `disabled title="${esc(VIEWER_TIP)}" aria-disabled="true"` : '';
  root.innerHTML = `<section class="panel controls" aria-label="operator controls">
<div class="buttons">
<button class="danger" data-action="abort" ${off}>Abort run…</button>
<button data-action="pause" ${off}>Pause</button>
<button data-action="resume" ${off} hidden>Resume</button>
<span class="muted" data-role>${esc(session?.user ?? 'anonymous')} · ${esc(session?.role ?? 'no session')}</span>
</div>
<form class="note" data-note><label for="note-text">Note for the journal</label>
<textarea id="note-text" rows="2" placeholder="e.g. paged the broker on-call; customer alert fired" ${off}></textarea>
<button type="submit" ${off}>Add note</button></form>
<p class="message" data-message role="status"></p>
<dialog data-confirm><form method="dialog"><h3>Abort this run?</h3>
<p>Every active fault is rolled back now and the run ends as <strong>aborted</strong> (exit 3), journaled with your name. This cannot be undone.</p>
<div class="buttons"><button value="cancel">Keep running</button><button class="danger" value="abort" data-confirm-abort>Abort and roll back</button></div></form></dialog>
</section>`;
  const message = root.querySelector('[data-message]');
  const act = async (path, body, done) => {
    message.textContent = '';
    message.className = 'message';
    try {
      await post(`/api/runs/${encodeURIComponent(runId)}/${path}`, body);
      message.textContent = done;
    } catch (err) {
      message.className = 'message breached';
      message.textContent = `${err.code ?? 'error'}: ${err.message}`;
    }
  };
  const dialog = root.querySelector('[data-confirm]');
  root.querySelector('[data-action="abort"]').addEventListener('click', () => dialog.showModal());
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'abort') act('abort', {}, 'Abort sent: rolling back.');
  });
  root.querySelector('[data-action="pause"]').addEventListener('click', () => act('pause', {}, 'Paused.'));
  root.querySelector('[data-action="resume"]').addEventListener('click', () => act('resume', {}, 'Resumed.'));
  const form = root.querySelector('[data-note]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const box = form.querySelector('textarea');
    const text = box.value.trim();
    if (!text) return;
    await act('notes', { text }, 'Note added to the journal.');
    if (!message.classList.contains('breached')) box.value = '';
  });
  return {
    /** Follows the run: pause or resume offered by state; everything off once it is over. */
    update(state) {
      const over = state.state === 'finished' || state.state === 'interrupted';
      const pause = root.querySelector('[data-action="pause"]');
      const resume = root.querySelector('[data-action="resume"]');
      pause.hidden = state.paused;
      resume.hidden = !state.paused;
      if (!viewer) {
        for (const b of root.querySelectorAll('button[data-action], [data-note] button, textarea')) {
          b.disabled = over;
          b.title = over ? 'The run is over.' : '';
        }
      }
    },
  };
}
