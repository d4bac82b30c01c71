// Work-item queues: each queue with its counts (a queue exists while it holds items), live with the overview stream.
import { h, replace, replaceIfChanged, card, table, link, time, errorBox } from '../dom.js';
import { api, follow, enc } from '../api.js';

export function render(main) {
  const list = h('div', { id: 'workitem-queues' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, h('h1', {}, 'Work items'),
    h('p', { class: 'muted' }, 'Queues of items jobs work through with baton.workitems(queue); fill one with baton workitem add QUEUE --file items.jsonl.'),
    card('Queues', list));

  async function load() {
    try {
      const queues = (await api('/workitem-queues')).items;
      replaceIfChanged(list, [queues], () => [table(
        ['Queue', 'Pending', 'In progress', 'Done', 'Failed', 'Business failures', 'SLA missed', 'Retries', 'Oldest pending'],
        queues.map(q => [
          link('/work-items/' + enc(q.name), q.name), count(q.pending), count(q.inProgress), count(q.done), count(q.failed),
          count(q.businessFailures), q.slaMissed ? h('strong', { class: 'error-text' }, count(q.slaMissed)) : '0', count(q.retries),
          q.oldestPendingAt ? time(q.oldestPendingAt) : '—']),
        'No work-item queues yet.')]);
    } catch (error) {
      replace(list, errorBox(error));
    }
  }
  load();
  return follow('/overview/stream', { overview: () => load() });
}

export function count(n) {
  return Number(n).toLocaleString('en');
}
