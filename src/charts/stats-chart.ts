import { createCanvas, GlobalFonts, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import type { StatsReport } from '../services/stats.service';

/**
 * The /stats chart: revenue per month (a bar per currency) above active subscribers per month
 * (a line with each month's number written on it), as a PNG.
 *
 * Chart.js draws on @napi-rs/canvas (Skia, prebuilt binaries, no browser). The font ships inside
 * the package @fontsource/inter and is registered under a name of our own, so text renders the
 * same on a server without any system fonts.
 *
 * The card is dark grey with light text: it reads as a card on Discord's light theme and sits
 * calmly on the dark one, where a white image would glare. Colours are Discord's own brand colours,
 * which keep their contrast on that grey.
 */
export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 800;

const FONT = 'StatsChartInter';
const BACKGROUND = '#2b2d31';
const TEXT = '#f2f3f5';
const MUTED = '#b5bac1';
const GRID = 'rgba(255, 255, 255, 0.12)';
const CURRENCY_COLOURS = ['#5865f2', '#fee75c', '#eb459e', '#57f287', '#ed4245', '#3ba5ff'];
const ACTIVE_COLOUR = '#57f287';

let ready = false;

function setUp(): void {
  if (ready) return;
  for (const weight of ['400', '700']) {
    GlobalFonts.registerFromPath(require.resolve(`@fontsource/inter/files/inter-latin-${weight}-normal.woff2`), FONT);
  }
  Chart.register(...registerables);
  ready = true;
}

/** Renders the report's chart; answers the PNG bytes (CHART_WIDTH × CHART_HEIGHT). */
export function renderStatsChart(report: StatsReport): Buffer {
  setUp();
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, CHART_WIDTH, CHART_HEIGHT);

  ctx.fillStyle = TEXT;
  ctx.font = `700 30px ${FONT}`;
  ctx.textBaseline = 'top';
  ctx.fillText('Streams Manager · last 12 months', 32, 24);
  ctx.fillStyle = MUTED;
  ctx.font = `400 20px ${FONT}`;
  const first = report.months[0]?.month ?? '';
  const last = report.months[report.months.length - 1]?.month ?? '';
  ctx.fillText(`${first} to ${last} (UTC) · taken ${report.at.slice(0, 16).replace('T', ' ')} UTC`, 32, 62);

  const labels = report.months.map((m) => monthLabel(m.month));
  const top = 100;
  const half = Math.floor((CHART_HEIGHT - top - 16) / 2);
  drawPanel(ctx, 16, top, CHART_WIDTH - 32, half, revenueChart(report, labels));
  drawPanel(ctx, 16, top + half + 16, CHART_WIDTH - 32, half - 16, activeChart(report, labels));
  return canvas.toBuffer('image/png');
}

/** Draws one Chart.js chart on its own canvas, then onto the card at (x, y). */
function drawPanel(target: SKRSContext2D, x: number, y: number, width: number, height: number, config: ChartConfiguration): void {
  const canvas: Canvas = createCanvas(width, height);
  // Chart.js only calls getContext('2d') and reads width/height (its basic platform, outside a browser).
  const chart = new Chart(canvas as unknown as ConstructorParameters<typeof Chart>[0], config);
  target.drawImage(canvas, x, y);
  chart.destroy();
}

function commonOptions(title: string) {
  return {
    responsive: false,
    animation: false as const,
    devicePixelRatio: 1,
    layout: { padding: { left: 8, right: 16, top: 4, bottom: 0 } },
    plugins: {
      title: { display: true, text: title, color: TEXT, align: 'start' as const, font: { family: FONT, size: 22, weight: 'bold' as const } },
      legend: { labels: { color: TEXT, font: { family: FONT, size: 18 }, boxWidth: 18 } },
      tooltip: { enabled: false },
    },
  };
}

function axis(ticks: Record<string, unknown> = {}) {
  return { ticks: { color: MUTED, font: { family: FONT, size: 17 }, ...ticks }, grid: { color: GRID }, border: { color: GRID } };
}

function revenueChart(report: StatsReport, labels: string[]): ChartConfiguration {
  const currencies = report.revenueTotals.map((t) => t.currency);
  const datasets = currencies.map((currency, i) => ({
    label: `Revenue ${currency}`,
    data: report.months.map((m) => (m.revenue.find((r) => r.currency === currency)?.amountCents ?? 0) / 100),
    backgroundColor: CURRENCY_COLOURS[i % CURRENCY_COLOURS.length],
    borderRadius: 4,
  }));
  const options = commonOptions(currencies.length > 0 ? 'Revenue per month' : 'Revenue per month: no payments with an amount');
  return {
    type: 'bar',
    data: { labels, datasets },
    options: {
      ...options,
      plugins: { ...options.plugins, legend: { ...options.plugins.legend, display: currencies.length > 0, align: 'end' } },
      scales: { x: axis(), y: { ...axis({ maxTicksLimit: 6, callback: (v: string | number) => compact(Number(v)) }), beginAtZero: true } },
    },
  };
}

function activeChart(report: StatsReport, labels: string[]): ChartConfiguration {
  const options = commonOptions('Active subscribers at each month’s end');
  return {
    type: 'line',
    data: {
      labels,
      datasets: [
        {
          label: 'Active subscribers',
          data: report.months.map((m) => m.activeSubscribers),
          borderColor: ACTIVE_COLOUR,
          backgroundColor: 'rgba(87, 242, 135, 0.18)',
          fill: true,
          borderWidth: 4,
          pointRadius: 5,
          pointBackgroundColor: ACTIVE_COLOUR,
          tension: 0.25,
        },
      ],
    },
    options: {
      ...options,
      layout: { padding: { ...options.layout.padding, top: 28 } },
      plugins: { ...options.plugins, legend: { display: false } },
      // offset: the months line up with the bars above, and the first and last labels stay inside.
      scales: { x: { ...axis(), offset: true }, y: { ...axis({ precision: 0, maxTicksLimit: 6, callback: (v: string | number) => compact(Number(v)) }), beginAtZero: true, grace: '12%' } },
    },
    plugins: [pointLabels],
  };
}

/** Writes each point's value above it: a number is read faster than a position on an axis. */
const pointLabels: Plugin = {
  id: 'statsPointLabels',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = TEXT;
    ctx.font = `700 17px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    const meta = chart.getDatasetMeta(0);
    meta.data.forEach((point, i) => {
      const value = chart.data.datasets[0]!.data[i] as number;
      ctx.fillText(value.toLocaleString('en-US'), point.x, point.y - 10);
    });
    ctx.restore();
  },
};

/** "2026-12" → "Dec 26" */
function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${new Date(Date.UTC(y!, m! - 1, 1)).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${String(y).slice(2)}`;
}

/** 1234 → "1.2k", 1500000 → "1.5M": axis labels stay short. */
function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1_000_000) return `${trim(value / 1_000_000)}M`;
  if (abs >= 1_000) return `${trim(value / 1_000)}k`;
  return trim(value);
}

function trim(n: number): string {
  return String(Math.round(n * 10) / 10);
}
