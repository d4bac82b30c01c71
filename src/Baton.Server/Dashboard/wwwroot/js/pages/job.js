import { h, replace, append, card, stateBadge, time, duration, errorBox, link } from '../dom.js';
import { api, follow, canWrite, enc } from '../api.js';
import { renderAnsi } from '../ansi.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

export function render(main, { args, navigate }) {
  const jobId = args[0];
  const closers = [];
  const header = h('div', { class: 'job-header' });
  const actions = h('div', { class: 'actions', id: 'job-actions' });
  const message = h('p', { role: 'status', class: 'muted' });
  const why = h('div');
  const timeline = h('ol', { class: 'timeline' });
  const inputs = h('pre', { class: 'json' });
  const result = h('div');
  const log = h('pre', { class: 'log', id: 'log', tabindex: '0', 'aria-label': 'Log' });
  const logStatus = h('span', { class: 'muted' });
  let job = null;
  let closed = false;

  replace(main, h('p', { class: 'muted' }, 'Loading…'));

  function show(next) {
    const first = job === null;
    job = next;
    replace(header,
      h('h1', {}, 'Job ', h('code', {}, job.id)),
      h('p', {}, stateBadge(job.state), ' ', link('/packages/' + enc(job.package), `${job.package}@${job.version}`),
        ` · queue ${job.queue} · priority ${job.priority} · attempt ${job.attempt}/${job.maxAttempts}`,
        job.agentId ? ` · agent ${job.agentId}` : '', job.cancelRequested && !TERMINAL.has(job.state) ? ' · cancel requested' : ''));
    replace(actions, ...actionButtons());
    replace(inputs, JSON.stringify(job.inputs, null, 2));
    replace(result,
      job.result !== undefined && job.result !== null ? h('pre', { class: 'json' }, JSON.stringify(job.result, null, 2)) : null,
      job.error ? h('pre', { class: 'error-text' }, job.error) : null,
      job.exitCode !== null && job.exitCode !== undefined ? h('p', {}, `Exit code ${job.exitCode}`) : null,
      !TERMINAL.has(job.state) ? h('p', { class: 'muted' }, 'Not finished yet.') : null,
      job.finishedAt ? h('p', { class: 'muted' }, 'Ran ', duration(job.startedAt, job.finishedAt), ', ended ', time(job.finishedAt)) : null);
    if (first) layout();
    loadTimeline();
    loadWhy();
  }

  function layout() {
    replace(main, header, actions, message,
      h('div', { class: 'grid two' },
        card('Timeline', timeline),
        h('div', {}, card('Why is it waiting?', why), card('Inputs', inputs), card('Result', result))),
      card('Log', h('div', { class: 'log-tools' }, logStatus), log));
  }

  function actionButtons() {
    if (!canWrite()) return [];
    const buttons = [];
    if (!TERMINAL.has(job.state)) {
      buttons.push(h('button', { type: 'button', class: 'danger', id: 'cancel-job', onclick: () => act(() => api(`/jobs/${enc(jobId)}/cancel`, { method: 'POST' }), 'Cancellation requested.') }, 'Cancel'));
    }
    if (job.state === 'pending') {
      const priority = h('input', { id: 'priority', type: 'number', min: '0', max: '1000', value: String(job.priority), class: 'narrow' });
      buttons.push(h('form', { class: 'inline', onsubmit: e => {
        e.preventDefault();
        act(() => api(`/jobs/${enc(jobId)}`, { method: 'PATCH', json: { priority: Number(priority.value) } }), 'Priority changed.');
      } }, h('label', { for: 'priority' }, 'Priority'), priority, h('button', { type: 'submit', class: 'ghost' }, 'Set')));
    }
    buttons.push(h('button', { type: 'button', class: 'ghost', id: 'run-again', onclick: async () => {
      try {
        const again = await api('/jobs', { method: 'POST', json: { package: job.package, version: job.version, inputs: job.inputs, priority: job.priority, queue: job.queue } });
        navigate('/jobs/' + enc(again.id));
      } catch (error) {
        replace(message, errorBox(error));
      }
    } }, 'Run again'));
    return buttons;
  }

  async function act(call, done) {
    try {
      const updated = await call();
      message.textContent = done;
      if (updated?.id) show(updated);
    } catch (error) {
      replace(message, errorBox(error));
    }
  }

  async function loadTimeline() {
    try {
      const events = await api(`/jobs/${enc(jobId)}/events`);
      replace(timeline, (events.items ?? events).map(e => h('li', {},
        h('strong', {}, e.type), ' ', time(e.at), e.attempt ? ` · attempt ${e.attempt}` : '', e.agentId ? ` · ${e.agentId}` : '',
        e.message ? h('div', { class: 'muted' }, e.message) : null)));
    } catch (error) {
      replace(timeline, errorBox(error));
    }
  }

  async function loadWhy() {
    if (job.state !== 'pending') {
      replace(why, h('p', { class: 'muted' }, job.state === 'assigned' || job.state === 'running' ? 'It is not waiting: an agent has it.' : 'It is not waiting.'));
      return;
    }
    try {
      const answer = await api(`/jobs/${enc(jobId)}/why`);
      replace(why, h('ul', {}, answer.reasons.map(r => h('li', {}, r))));
    } catch (error) {
      replace(why, errorBox(error));
    }
  }

  // Log lines arrive as server-sent events; they are appended once per frame so 10,000 lines cost a few layouts.
  let pending = [];
  let frame = 0;
  let lines = 0;
  function flush() {
    frame = 0;
    const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
    const fragment = document.createDocumentFragment();
    for (const line of pending) {
      const row = h('span', { class: 'line' + (line.stream === 'stderr' ? ' stderr' : '') });
      row.append(renderAnsi(line.text), '\n');
      fragment.append(row);
    }
    lines += pending.length;
    pending = [];
    log.append(fragment);
    logStatus.textContent = `${lines} line${lines === 1 ? '' : 's'}`;
    if (stick) log.scrollTop = log.scrollHeight;
  }

  // The log so far comes as compressed JSON pages (1,000 lines each); the live tail then follows from the last line.
  async function followLog() {
    let after = 0;
    try {
      for (;;) {
        const page = await api(`/jobs/${enc(jobId)}/logs?after=${after}&limit=1000`);
        pending.push(...page.items);
        after = page.nextSeq;
        if (!frame) frame = requestAnimationFrame(flush);
        if (page.items.length < 1000) break;
      }
    } catch (error) {
      logStatus.textContent = error.message;
      return;
    }
    if (closed) return;
    closers.push(follow(`/jobs/${enc(jobId)}/logs?follow=true&after=${after}`, {
      log: line => {
        pending.push(line);
        if (!frame) frame = requestAnimationFrame(flush);
      },
      end: (_, __, source) => {
        source.close();
        if (frame) { cancelAnimationFrame(frame); flush(); }
        append(logStatus, [' · end of log']);
      },
    }));
  }

  api(`/jobs/${enc(jobId)}`).then(found => {
    show(found);
    closers.push(follow(`/jobs/${enc(jobId)}/stream`, {
      job: next => show(next),
      end: (_, __, source) => source.close(),
    }));
    followLog();
  }, error => {
    if (error.status === 404) {
      replace(main, h('h1', {}, 'Job not found'), h('p', {}, 'There is no job ', h('code', {}, jobId), ' in your tenant.'), link('/jobs', 'Back to jobs'));
    } else {
      replace(main, errorBox(error));
    }
  });

  return () => {
    closed = true;
    closers.forEach(close => close());
    if (frame) cancelAnimationFrame(frame);
  };
}
