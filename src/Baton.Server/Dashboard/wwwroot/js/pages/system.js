import { h, replace, card, table, time, errorBox } from '../dom.js';
import { api, session, enc } from '../api.js';
import { forecastChart } from '../charts.js';

export function render(main) {
  if (!session.systemAdmin) {
    replace(main, h('h1', {}, 'System'), h('p', {}, 'Only a system administrator key sees this page.'));
    return;
  }
  const tenants = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const pool = h('div');
  const scaling = h('div');
  const forecasts = h('div', { id: 'forecasts' });
  replace(main, h('h1', {}, 'System'), card('Tenants', tenants), card('Shared agent pool', pool),
    card('Autoscaler forecast, next 24 hours', forecasts), card('Autoscaler decisions', scaling));
  const closers = [];
  let closed = false;

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

  // The forecaster's plan for each worker target (demand from history and schedules, and the replicas it needs).
  api('/system/autoscale/status').then(async status => {
    const workers = status.targets.filter(t => t.target.startsWith('worker/')).slice(0, 4);
    if (workers.length === 0) {
      replace(forecasts, h('p', { class: 'muted' }, 'No worker autoscale policy: there is no forecast to show.'));
      return;
    }
    replace(forecasts);
    for (const target of workers) {
      const chart = h('div', { class: 'chart' });
      const note = h('p', { class: 'muted' });
      forecasts.append(h('h3', {}, `${target.target} (${target.predictive})`), note, chart);
      try {
        const forecast = await api(`/system/autoscale/forecast?target=${enc(target.target)}&hours=24`);
        note.textContent = `${forecast.replicasNow} replica(s) now, lead time ${forecast.leadTime}. ${forecast.note}`;
        const close = await forecastChart(chart, forecast.buckets);
        if (closed) close();
        else closers.push(close);
      } catch (error) {
        replace(chart, errorBox(error));
      }
    }
  }, error => replace(forecasts, errorBox(error)));
  return () => {
    closed = true;
    closers.forEach(close => close());
  };
}
