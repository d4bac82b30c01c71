import { h, replace, replaceIfChanged, card, table, time, errorBox, stateBadge } from '../dom.js';
import { api, follow, canWrite, enc } from '../api.js';

export function render(main) {
  const agents = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const queues = h('div');
  replace(main, h('h1', {}, 'Agents and queues'), card('Agents', agents), card('Queues', queues));

  async function load() {
    try {
      const [a, q] = await Promise.all([api('/agents'), api('/queues')]);
      replace(agents, table(['Name', 'State', 'Group', 'Pythons', 'Slots in use', 'CPU', 'Memory', 'Last seen'],
        a.items.map(x => [
          x.name, stateBadge(x.state), x.group,
          (x.pythons ?? []).map(p => p.version).join(', ') || '—',
          `${x.runningJobs} / ${x.slots}`,
          `${x.resources.cpuCores} cores` + (x.resources.cpuPercent != null ? ` · ${Math.round(x.resources.cpuPercent)} %` : ''),
          x.resources.memoryUsedMb != null ? `${x.resources.memoryUsedMb} / ${x.resources.memoryMb} MB` : `${x.resources.memoryMb} MB`,
          time(x.lastHeartbeatAt)]),
        'No agents yet: start one with baton agent --token …'));
      // Rebuilt only when a queue changed: the live tick must not swap a Pause button for a copy under the pointer.
      replaceIfChanged(queues, [q.items, canWrite()], () => [table(['Queue', 'Priority', 'Max concurrency', 'Agent groups', 'State', ''],
        q.items.map(x => [x.name, String(x.priority), x.maxConcurrency ?? 'none', (x.agentGroups ?? []).join(', ') || 'any',
          x.paused ? stateBadge('paused') : stateBadge('active'),
          canWrite() ? h('button', { type: 'button', class: 'ghost', onclick: async event => {
            const button = event.currentTarget;
            button.disabled = true;
            try {
              await api(`/queues/${enc(x.name)}/${x.paused ? 'resume' : 'pause'}`, { method: 'POST' });
            } catch (error) {
              queues.prepend(errorBox(error));
            } finally {
              button.disabled = false;
            }
            load();
          } }, x.paused ? 'Resume' : 'Pause') : '']),
        'No queues: jobs go to the default queue.')]);
    } catch (error) {
      replace(agents, errorBox(error));
    }
  }
  load();
  return follow('/overview/stream', { overview: () => load() });
}
