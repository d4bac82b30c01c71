// Throughput charts with uPlot, loaded on first use (it is only needed on the overview).
let loading = null;

function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  loading ??= new Promise((resolve, reject) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/assets/vendor/uplot/uPlot.min.css';
    document.head.append(css);
    const script = document.createElement('script');
    script.src = '/assets/vendor/uplot/uPlot.iife.min.js';
    script.onload = () => resolve(window.uPlot);
    script.onerror = () => reject(new Error('The chart library did not load.'));
    document.head.append(script);
  });
  return loading;
}

const colour = name => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** A chart of succeeded and failed jobs per bucket; returns an updater taking new points. */
export async function throughputChart(element, label) {
  const uPlot = await loadUplot();
  const width = () => Math.max(260, element.clientWidth);
  const chart = new uPlot({
    width: width(),
    height: 180,
    title: label,
    scales: { x: { time: true } },
    axes: [{ stroke: colour('--muted') }, { stroke: colour('--muted') }],
    series: [
      {},
      { label: 'Succeeded', stroke: colour('--ok'), width: 2 },
      { label: 'Failed', stroke: colour('--bad'), width: 2 },
    ],
  }, [[], [], []], element);
  const resize = () => chart.setSize({ width: width(), height: 180 });
  window.addEventListener('resize', resize);
  return {
    update(points) {
      chart.setData([
        points.map(p => new Date(p.at).getTime() / 1000),
        points.map(p => p.succeeded),
        points.map(p => p.failed),
      ]);
    },
    destroy() {
      window.removeEventListener('resize', resize);
      chart.destroy();
    },
  };
}

/**
 * The autoscaler's forecast of a worker target: demand per 5-minute bucket (agent-seconds, from history and from the
 * schedules due) and the replicas each bucket needs, on a second axis.
 */
export async function forecastChart(element, buckets) {
  const uPlot = await loadUplot();
  const width = () => Math.max(260, element.clientWidth);
  const chart = new uPlot({
    width: width(),
    height: 200,
    scales: { x: { time: true }, replicas: {} },
    axes: [
      { stroke: colour('--muted') },
      { stroke: colour('--muted'), label: 'agent-seconds' },
      { stroke: colour('--muted'), scale: 'replicas', side: 1, label: 'replicas', grid: { show: false } },
    ],
    series: [
      {},
      { label: 'Forecast demand', stroke: colour('--info'), width: 2 },
      { label: 'Scheduled demand', stroke: colour('--warn'), width: 2 },
      { label: 'Replicas', stroke: colour('--ok'), width: 2, scale: 'replicas' },
    ],
  }, [
    buckets.map(b => new Date(b.start).getTime() / 1000),
    buckets.map(b => b.forecastAgentSeconds),
    buckets.map(b => b.scheduledAgentSeconds),
    buckets.map(b => b.replicas),
  ], element);
  const resize = () => chart.setSize({ width: width(), height: 200 });
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    chart.destroy();
  };
}
