// One work-item queue: its counts and its items, filtered by state and paged by cursor, live with the overview stream.
import { h, replace, replaceIfChanged, card, table, link, time, localTime, stateBadge, errorBox, showPager } from '../dom.js';
import { api, follow, enc } from '../api.js';
import { count } from './workitems.js';

const STATES = [['', 'Any state'], ['pending', 'pending'], ['in_progress', 'in progress'], ['done', 'done'], ['failed', 'failed']];

export function render(main, { args, params }) {
  const queue = args[0];
  const summary = h('div', { id: 'workitem-counts' });
  const trigger = h('div', { id: 'workitem-trigger' });
  const items = h('div', { id: 'workitem-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  const initial = STATES.some(([v]) => v === params.get('state')) ? params.get('state') ?? '' : '';
  const state = h('select', { id: 'wi-state' }, STATES.map(([v, text]) => h('option', { value: v, selected: v === initial }, text)));
  const cursors = [null];
  state.addEventListener('change', () => {
    history.replaceState(null, '', `/work-items/${enc(queue)}` + (state.value ? '?state=' + state.value : ''));
    cursors.length = 1;
    load();
  });

  replace(main, h('h1', {}, 'Work items: ', h('code', {}, queue)), link('/work-items', '← All queues'), summary, card('Trigger', trigger),
    card('Items', h('form', { class: 'filters', onsubmit: e => e.preventDefault() }, h('label', { for: 'wi-state' }, 'State'), state), items, pager));

  let loading = false;
  let again = false;
  async function load() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const query = new URLSearchParams({ limit: '50' });
      if (state.value) query.set('state', state.value);
      const cursor = cursors[cursors.length - 1];
      if (cursor) query.set('after', cursor);
      const absent = e => e.status === 404 ? null : Promise.reject(e);
      const [stats, page, starter] = await Promise.all([api(`/workitem-queues/${enc(queue)}`).catch(absent),
        api(`/workitem-queues/${enc(queue)}/items?${query}`), api(`/workitem-queues/${enc(queue)}/trigger`).catch(absent)]);
      if (stats === null && page.items.length === 0 && starter === null) {
        replace(main, h('h1', {}, 'Work-item queue not found'), h('p', {}, 'There is no work-item queue ', h('code', {}, queue), ' in your tenant.'),
          link('/work-items', 'Back to work items'));
        closeStream();
        return;
      }
      replaceIfChanged(summary, [stats], () => stats ? [h('p', {},
        `${count(stats.pending)} pending · ${count(stats.inProgress)} in progress · ${count(stats.done)} done · ${count(stats.failed)} failed` +
        ` (${count(stats.businessFailures)} business) · ${count(stats.slaMissed)} past their deadline · ${count(stats.retries)} retries`)] : []);
      replaceIfChanged(trigger, [starter], () => triggerView(starter));
      replaceIfChanged(items, [page.items], () => [table(['Item', 'Reference', 'State', 'Priority', 'Attempts', 'Deadline', 'Job', 'Outcome', 'Added'],
        page.items.map(i => [
          h('code', {}, i.id), i.reference ?? '—', stateBadge(i.state), String(i.priority), `${i.attempts}/${i.maxAttempts}`,
          i.deadline ? h('span', { class: i.slaMissed ? 'error-text' : '' }, localTime(i.deadline), i.slaMissed ? ' (missed)' : '') : '—',
          i.jobId ? link('/jobs/' + enc(i.jobId), h('code', {}, i.jobId)) : '—',
          i.error ? h('span', { class: 'error-text' }, `${i.failureKind ? i.failureKind + ': ' : ''}${i.error}`)
            : i.output !== null && i.output !== undefined ? h('code', { class: 'clip' }, JSON.stringify(i.output)) : '',
          time(i.createdAt)]),
        state.value ? `No ${state.value.replace('_', ' ')} items.` : 'No items.')]);
      showPager(pager, cursors, page.nextCursor, load);
    } catch (error) {
      replace(items, errorBox(error));
    } finally {
      loading = false;
      if (again) {
        again = false;
        load();
      }
    }
  }
  load();
  const closeStream = follow('/overview/stream', { overview: () => { if (cursors.length === 1) load(); } });
  return closeStream;
}

/** The queue's trigger (which starts jobs while items wait) as a viewer sees it, or how to set one. */
function triggerView(t) {
  if (!t) {
    return [h('p', { class: 'muted' }, 'No trigger: jobs work this queue only when they are submitted. ',
      'Set one with ', h('code', {}, 'baton workitem trigger set QUEUE --package NAME --max-jobs N'), '.')];
  }
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [
    h('p', {}, 'Starts ', h('code', {}, `${t.package}@${t.version ?? 'latest'}`),
      ` while at least ${plural(t.minItems, 'item')} wait, up to ${plural(t.maxJobs, 'job')} at once.`),
    h('p', {}, t.activeJobs.length ? ['Working now: ', t.activeJobs.map((id, n) => [n ? ', ' : '', link('/jobs/' + enc(id), h('code', {}, id))])] : 'No job working now.',
      t.lastStartedAt ? [' Last started ', time(t.lastStartedAt), '.'] : ''),
    t.lastError ? h('p', { class: 'error-text' }, 'Last start refused ', time(t.lastErrorAt), ': ', t.lastError) : '',
  ];
}
