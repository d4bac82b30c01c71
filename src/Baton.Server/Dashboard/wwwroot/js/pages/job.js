import { h, replace, replaceIfChanged, append, card, stateBadge, time, duration, errorBox, link } from '../dom.js';
import { api, follow, canWrite, enc } from '../api.js';
import { renderAnsi, isPlain } from '../ansi.js';
import { jobArtifacts } from './job-artifacts.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);
/** Lines per history request: a 10,000-line log arrives in one compressed response. */
const LOG_PAGE = 10000;
/** Log lines per chunk that the browser lays out as one. */
const CHUNK_LINES = 250;
/** How long after a page of history is shown its earlier chunks start to be filled while the page is idle. */
const SETTLE_MS = 1000;
/** Lines not on stdout are wrapped in a row of their stream's class (stderr shows red); stdout lines are bare text. */
const ROWS = new Map(['stderr', 'setup', 'system'].map(stream => [stream, h('span', { class: 'line ' + stream })]));

/** Whether `next` describes the job as it was before `shown`: an earlier attempt, or the same one not yet ended. */
function isOlder(next, shown) {
  return next.attempt < shown.attempt || (next.attempt === shown.attempt && TERMINAL.has(shown.state) && !TERMINAL.has(next.state));
}

export function render(main, { args, navigate }) {
  const jobId = args[0];
  const closers = [];
  const header = h('div', { class: 'job-header' });
  const actions = h('div', { class: 'actions', id: 'job-actions' });
  const message = h('p', { role: 'status', class: 'muted', id: 'job-message' });
  const why = h('div');
  const timeline = h('ol', { class: 'timeline' });
  const inputs = h('pre', { class: 'json' });
  const result = h('div');
  const log = h('pre', { class: 'log', id: 'log', tabindex: '0', 'aria-label': 'Log' });
  const logStatus = h('span', { class: 'muted' });
  const artifacts = jobArtifacts(jobId);
  let artifactsShownFor = '';
  // The log's first page goes first: the job's other reads (timeline, why, artifacts) and its state stream start once
  // it is shown (or has failed), so that they do not compete with a long log for the server and the page's thread.
  let firstLogPageDone;
  const firstLogPage = new Promise(resolve => { firstLogPageDone = resolve; });
  let job = null;
  let closed = false;

  replace(main, h('p', { class: 'muted' }, 'Loading…'));

  // Each part is rebuilt only when what it shows has changed: a stream update that changes nothing visible leaves the
  // nodes alone, so a button is never swapped for a copy under the pointer (a click pressed on one node and released
  // on its replacement is no click at all).
  //
  // An answer is never older than what is shown: the cancel's own answer (running, cancel requested) can arrive after the
  // stream has already shown the job cancelled and ended, and must not put it back to running for good.
  function show(next) {
    if (job !== null && isOlder(next, job)) return;
    const first = job === null;
    job = next;
    const running = !TERMINAL.has(job.state);
    replaceIfChanged(header, [job.id, job.state, job.package, job.version, job.queue, job.priority, job.attempt, job.maxAttempts, job.agentId,
      job.cancelRequested && running], () => [
      h('h1', {}, 'Job ', h('code', {}, job.id)),
      h('p', {}, stateBadge(job.state), ' ', link('/packages/' + enc(job.package), `${job.package}@${job.version}`),
        ` · queue ${job.queue} · priority ${job.priority} · attempt ${job.attempt}/${job.maxAttempts}`,
        job.agentId ? ` · agent ${job.agentId}` : '', job.cancelRequested && running ? ' · cancel requested' : '')]);
    // Not keyed on the priority: a priority being typed is not overwritten by an update (the header shows the current one).
    replaceIfChanged(actions, [canWrite(), running, job.state === 'pending'], actionButtons);
    replaceIfChanged(inputs, [job.inputs], () => [JSON.stringify(job.inputs, null, 2)]);
    replaceIfChanged(result, [job.result, job.error, job.exitCode, job.state, job.startedAt, job.finishedAt], () => [
      job.result !== undefined && job.result !== null ? h('pre', { class: 'json' }, JSON.stringify(job.result, null, 2)) : null,
      job.error ? h('pre', { class: 'error-text' }, job.error) : null,
      job.exitCode !== null && job.exitCode !== undefined ? h('p', {}, `Exit code ${job.exitCode}`) : null,
      running ? h('p', { class: 'muted' }, 'Not finished yet.') : null,
      job.finishedAt ? h('p', { class: 'muted' }, 'Ran ', duration(job.startedAt, job.finishedAt), ', ended ', time(job.finishedAt)) : null]);
    if (first) layout();
    firstLogPage.then(() => {
      if (closed) return;
      loadTimeline();
      loadWhy();
      // Artifacts are uploaded while the job runs and as it ends: asked for again at each change of state or attempt.
      if (artifactsShownFor !== `${job.state}/${job.attempt}`) {
        artifactsShownFor = `${job.state}/${job.attempt}`;
        artifacts.load();
      }
    });
  }

  function layout() {
    replace(main, header, actions, message,
      h('div', { class: 'grid two' },
        card('Timeline', timeline),
        h('div', {}, card('Why is it waiting?', why), card('Inputs', inputs), card('Result', result), card('Artifacts', artifacts.node))),
      card('Log', h('div', { class: 'log-tools' }, logStatus), log));
  }

  // Built from the job as it is when they change; each reads the current job when clicked.
  function actionButtons() {
    if (!canWrite()) return [];
    const buttons = [];
    if (!TERMINAL.has(job.state)) {
      buttons.push(h('button', { type: 'button', class: 'danger', id: 'cancel-job', onclick: event =>
        act(event.currentTarget, () => api(`/jobs/${enc(jobId)}/cancel`, { method: 'POST' }), 'Cancellation requested.') }, 'Cancel'));
    }
    if (job.state === 'pending') {
      const priority = h('input', { id: 'priority', type: 'number', min: '0', max: '1000', value: String(job.priority), class: 'narrow' });
      const set = h('button', { type: 'submit', class: 'ghost' }, 'Set');
      buttons.push(h('form', { class: 'inline', onsubmit: e => {
        e.preventDefault();
        act(set, () => api(`/jobs/${enc(jobId)}`, { method: 'PATCH', json: { priority: Number(priority.value) } }), 'Priority changed.');
      } }, h('label', { for: 'priority' }, 'Priority'), priority, set));
    }
    buttons.push(h('button', { type: 'button', class: 'ghost', id: 'run-again', onclick: event =>
      act(event.currentTarget, async () => {
        const again = await api('/jobs', { method: 'POST', json: { package: job.package, version: job.version, inputs: job.inputs, priority: job.priority, queue: job.queue } });
        navigate('/jobs/' + enc(again.id));
      }, '') }, 'Run again'));
    return buttons;
  }

  // One write at a time per button: it is disabled until the server has answered (retries of a busy server included).
  async function act(button, call, done) {
    if (button) button.disabled = true;
    message.textContent = 'Sending…';
    try {
      const updated = await call();
      message.textContent = done;
      if (updated?.id && !closed) show(updated);
    } catch (error) {
      replace(message, errorBox(error));
    } finally {
      if (button) button.disabled = false;
    }
  }

  async function loadTimeline() {
    try {
      const events = await api(`/jobs/${enc(jobId)}/events`);
      const items = events.items ?? events;
      replaceIfChanged(timeline, [items], () => items.map(e => h('li', {},
        h('strong', {}, e.type), ' ', time(e.at), e.attempt ? ` · attempt ${e.attempt}` : '', e.agentId ? ` · ${e.agentId}` : '',
        e.message ? h('div', { class: 'muted' }, e.message) : null)));
    } catch (error) {
      replace(timeline, errorBox(error));
    }
  }

  async function loadWhy() {
    if (job.state !== 'pending') {
      replaceIfChanged(why, [job.state], () => [h('p', { class: 'muted' },
        job.state === 'assigned' || job.state === 'running' ? 'It is not waiting: an agent has it.' : 'It is not waiting.')]);
      return;
    }
    try {
      const answer = await api(`/jobs/${enc(jobId)}/why`);
      replaceIfChanged(why, [answer.reasons], () => [h('ul', {}, answer.reasons.map(r => h('li', {}, r)))]);
    } catch (error) {
      replace(why, errorBox(error));
    }
  }

  // Lines are appended in one batch: the history at once, the live tail once per frame. They go in chunks of
  // CHUNK_LINES, each laid out only while it is near the view (content-visibility: auto in app.css), so a 10,000-line
  // log costs the layout of the screenful at its end, not of every line. Only the chunks at the log's end are built at
  // once (the view sits there); the earlier ones are filled when they come near the view or, from a second later, while
  // the page is idle, so the first frame waits for a few hundred lines, not ten thousand. #log is aria-busy until every
  // chunk is filled (find in page sees every line from then on).
  // Consecutive plain stdout lines of a chunk are one text node: a 10,000-line log is a few thousand nodes, not 20,000.
  // #log's data-lines says how many lines are shown.
  let pendingTexts = [];
  let pendingStreams = new Map();
  let frame = 0;
  let lines = 0;
  let chunk = null;
  let chunkLines = 0;
  /** Chunks not yet filled, each with its lines: [texts, streams, from, to] (streams by index into texts). */
  const unfilled = new Map();
  let filler = null;
  let settle = 0;
  let idle = 0;

  function build(target, texts, streams, from, to) {
    let run = '';
    for (let i = from; i < to; i++) {
      const text = texts[i] + '\n';
      const stream = streams.get(i);
      if (stream === undefined && isPlain(text)) {
        run += text;
        continue;
      }
      if (run) target.append(run);
      run = '';
      if (stream === undefined) {
        target.append(renderAnsi(text));
      } else {
        const row = (ROWS.get(stream) ?? ROWS.get('system')).cloneNode(false);
        row.append(renderAnsi(text));
        target.append(row);
      }
    }
    if (run) target.append(run);
  }

  function fill(target) {
    const work = unfilled.get(target);
    if (!work) return;
    unfilled.delete(target);
    filler.unobserve(target);
    build(target, ...work);
    if (unfilled.size === 0) log.removeAttribute('aria-busy');
  }

  // The latest unfilled chunks first (the ones a reader scrolling up meets first), a few per idle period, from
  // SETTLE_MS after the page of history was shown: its first frames and the job's other reads come first.
  function fillWhenIdle(deadline) {
    idle = 0;
    const waiting = [...unfilled.keys()];
    for (let i = waiting.length - 1; i >= 0 && deadline.timeRemaining() > 2; i--) fill(waiting[i]);
    if (unfilled.size > 0 && !closed) idle = requestIdleCallback(fillWhenIdle);
  }

  function defer(target, texts, streams, from, to) {
    filler ??= new IntersectionObserver(entries => {
      for (const entry of entries) if (entry.isIntersecting) fill(entry.target);
    }, { root: log, rootMargin: '1500px 0px' });
    unfilled.set(target, [texts, streams, from, to]);
    filler.observe(target);
    log.setAttribute('aria-busy', 'true');
    if (!settle && !idle) settle = setTimeout(() => { settle = 0; idle = requestIdleCallback(fillWhenIdle); }, SETTLE_MS);
  }

  function flush() {
    frame = 0;
    if (pendingTexts.length === 0) return;
    const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
    const texts = pendingTexts;
    const streams = pendingStreams;
    const chunks = document.createDocumentFragment();
    // Each chunk's share of the lines, then built from the end: at once until CHUNK_LINES lines are built (more than a
    // screenful however the last chunk falls), deferred before that.
    const pieces = [];
    for (let from = 0; from < texts.length;) {
      if (!chunk || chunkLines === CHUNK_LINES) {
        chunk = document.createElement('span');
        chunk.className = 'chunk';
        chunks.append(chunk);
        chunkLines = 0;
      }
      const to = Math.min(texts.length, from + CHUNK_LINES - chunkLines);
      pieces.push([chunk, from, to]);
      chunkLines += to - from;
      from = to;
    }
    let built = 0;
    for (let i = pieces.length - 1; i >= 0; i--) {
      const [target, from, to] = pieces[i];
      if (built < CHUNK_LINES) build(target, texts, streams, from, to);
      else defer(target, texts, streams, from, to);
      built += to - from;
    }
    lines += texts.length;
    pendingTexts = [];
    pendingStreams = new Map();
    log.append(chunks);
    log.dataset.lines = String(lines);
    logStatus.textContent = `${lines} line${lines === 1 ? '' : 's'}`;
    if (stick) log.scrollTop = log.scrollHeight;
  }

  function queue(text, stream) {
    if (stream !== 'stdout') pendingStreams.set(pendingTexts.length, stream);
    pendingTexts.push(text);
  }

  // The log so far comes as compressed pages of up to 10,000 lines in the compact form (texts, and which lines are not on
  // stdout), each shown as soon as it arrives; the live tail then follows from the last line (a reconnect resumes after
  // the last line shown).
  let after = 0;
  async function followLog(history) {
    try {
      for (let page = await history; ; page = await api(`/jobs/${enc(jobId)}/logs/compact?after=${after}&limit=${LOG_PAGE}`)) {
        if (closed) return;
        performance.mark('baton:log-page-received');
        // Nothing is pending here: each page is flushed as it comes, and the live tail starts after the last one.
        pendingTexts = page.lines;
        for (const [stream, indexes] of Object.entries(page.streams)) {
          for (const index of indexes) pendingStreams.set(index, stream);
        }
        after = page.nextSeq;
        flush();
        performance.mark('baton:log-page-shown');
        firstLogPageDone();
        // The server says whether later lines were stored when it read the page; the live tail brings the rest.
        if (!page.more) break;
      }
    } catch (error) {
      firstLogPageDone();
      if (error.status !== 404) logStatus.textContent = error.message;
      return;
    }
    if (closed) return;
    closers.push(follow(() => `/jobs/${enc(jobId)}/logs?follow=true&after=${after}`, {
      log: line => {
        if (line.seq <= after) return;
        after = line.seq;
        queue(line.text, line.stream);
        if (!frame) frame = requestAnimationFrame(flush);
      },
      end: (_, __, source) => {
        source.close();
        if (frame) cancelAnimationFrame(frame);
        flush();
        append(logStatus, [' · end of log']);
      },
    }));
  }

  // The job and its log history are asked for together: the log does not wait for the job's round trip.
  // Marks for the dashboard bench's --breakdown (User Timing; nothing is sent anywhere).
  performance.mark('baton:job-page');
  const history = api(`/jobs/${enc(jobId)}/logs/compact?after=0&limit=${LOG_PAGE}`);
  history.catch(() => {});
  api(`/jobs/${enc(jobId)}`).then(found => {
    if (closed) return;
    show(found);
    followLog(history);
    // The stream's first event is the job as it is then: nothing that changed meanwhile is missed.
    firstLogPage.then(() => {
      if (closed) return;
      closers.push(follow(`/jobs/${enc(jobId)}/stream`, {
        job: next => show(next),
        end: (_, __, source) => source.close(),
      }));
    });
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
    if (settle) clearTimeout(settle);
    if (idle) cancelIdleCallback(idle);
    filler?.disconnect();
  };
}
