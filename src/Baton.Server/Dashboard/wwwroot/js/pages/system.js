import { h, replace, card, table, time, errorBox } from '../dom.js';
import { api, session } from '../api.js';

export function render(main) {
  if (!session.systemAdmin) {
    replace(main, h('h1', {}, 'System'), h('p', {}, 'Only a system administrator key sees this page.'));
    return;
  }
  const tenants = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const pool = h('div');
  const scaling = h('div');
  replace(main, h('h1', {}, 'System'), card('Tenants', tenants), card('Shared agent pool', pool), card('Autoscaler decisions', scaling));

  api('/tenants').then(async list => {
    const detailed = await Promise.all(list.items.map(t => api('/tenants/' + encodeURIComponent(t.id)).catch(() => t)));
    replace(tenants, table(['Tenant', 'Tier', 'Agents', 'Concurrent jobs', 'Pending', 'Storage', 'API calls today', 'Created'],
      detailed.map(t => {
        const u = t.usage ?? {}, q = t.quotas;
        return [t.name, t.tier, `${u.agents ?? '?'} / ${q.agents}`, `${u.concurrentJobs ?? '?'} / ${q.concurrentJobs}`,
          `${u.pendingJobs ?? '?'} / ${q.pendingJobs}`, `${((u.storageBytes ?? 0) / 1e9).toFixed(2)} / ${q.storageGb} GB`,
          `${u.apiCallsToday ?? '?'} / ${q.apiCallsPerDay}`, time(t.createdAt)];
      })));
  }, error => replace(tenants, errorBox(error)));

  api('/shared-pool/agents').then(list => replace(pool, table(['Agent', 'State', 'Slots in use'],
    list.items.map(a => [a.name, a.state, `${a.runningJobs} / ${a.slots}`]), 'No shared agents.')),
  error => replace(pool, errorBox(error)));

  api('/system/autoscale/decisions').then(list => replace(scaling, table(['At', 'Target', 'From → to', 'Rule', 'Why'],
    (list.items ?? list).slice(0, 50).map(d => [time(d.at), d.target, `${d.from} → ${d.to}`, d.rule, d.explanation]),
    'No scaling decisions recorded (no autoscale policy, or nothing to change).')),
  error => replace(scaling, errorBox(error)));
}
