// A stacked step chart in inline SVG: how many rules were in force on each date, one band per series. Drawn at the
// container's pixel width (so that its text stays readable on a phone) and redrawn when that width changes.
import { h, svg, uniqueId } from './dom.js';
import { readableDate } from './labels.js';

const DAY = 86400000;
const HEIGHT = 240;
const MARGIN = { top: 16, right: 16, bottom: 28, left: 36 };

function toTime(isoDate) {
  return Date.parse(`${isoDate}T00:00:00Z`);
}

// 1, 2, 5, 10, 20, 50 … : the smallest step that needs at most `ticks` ticks to reach max.
function niceStep(max, ticks) {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const step of [1, 2, 5]) if (max / (step * magnitude) <= ticks) return step * magnitude;
  }
}

// Quarter starts (Jan, Apr, Jul, Oct), or only years when those do not fit, thinned to about 70 px apart.
function timeTicks(start, end, plotWidth) {
  const firstsOf = (months) => {
    const ticks = [];
    for (let year = new Date(start).getUTCFullYear(); year <= new Date(end).getUTCFullYear(); year += 1) {
      for (const month of months) {
        const time = Date.UTC(year, month, 1);
        if (time >= start && time <= end) ticks.push(time);
      }
    }
    return ticks;
  };
  const room = Math.max(1, Math.floor(plotWidth / 70));
  let ticks = firstsOf([0, 3, 6, 9]);
  if (ticks.length > room) ticks = firstsOf([0]);
  const every = Math.ceil(ticks.length / room);
  return ticks.filter((time, index) => index % every === 0);
}

function tickLabel(time) {
  const date = new Date(time);
  return date.getUTCMonth() === 0
    ? String(date.getUTCFullYear())
    : date.toLocaleDateString('en-GB', { month: 'short', timeZone: 'UTC' });
}

// steps: [{date, counts: {seriesKey: n}}] ascending, each holding until the next; series: [{key, label}] bottom
// band first; domain: [startDate, endDate]; marker: a date to mark ("as of"); label: the chart's title.
export function drawStepChart(container, { steps, series, domain, marker, label, description }) {
  const titleId = uniqueId('chart-title');
  const descId = uniqueId('chart-desc');
  const frame = h('div', { class: 'chart-frame' });
  container.append(frame);

  const draw = () => {
    const width = Math.max(frame.clientWidth, 280);
    const [start, end] = domain.map(toTime);
    const x = (time) => MARGIN.left + ((time - start) / (end - start)) * (width - MARGIN.left - MARGIN.right);
    const totals = steps.map((step) => series.reduce((sum, entry) => sum + (step.counts[entry.key] ?? 0), 0));
    const max = Math.max(1, ...totals);
    const yStep = niceStep(max, 5);
    const yMax = Math.ceil(max / yStep) * yStep;
    const y = (value) => HEIGHT - MARGIN.bottom - (value / yMax) * (HEIGHT - MARGIN.top - MARGIN.bottom);

    // The outline of cumulative values as a step function: flat until the next date, then a vertical jump.
    const stepLine = (values) =>
      steps.flatMap((step, index) => {
        const from = x(toTime(step.date));
        const to = index + 1 < steps.length ? x(toTime(steps[index + 1].date)) : x(end);
        return [
          [from, y(values[index])],
          [to, y(values[index])],
        ];
      });
    let below = steps.map(() => 0);
    const bands = series.map((entry) => {
      const above = below.map((value, index) => value + (steps[index].counts[entry.key] ?? 0));
      const outline = [...stepLine(above), ...stepLine(below).reverse()];
      below = above;
      return svg('path', {
        class: `band class-${entry.key}`,
        d: `M${outline.map((point) => point.join(',')).join('L')}Z`,
      });
    });
    const total = stepLine(below);

    const yTicks = Array.from({ length: yMax / yStep + 1 }, (_, index) => index * yStep);
    const chart = svg(
      'svg',
      {
        class: 'step-chart',
        width,
        height: HEIGHT,
        viewBox: `0 0 ${width} ${HEIGHT}`,
        role: 'img',
        'aria-labelledby': `${titleId} ${descId}`,
      },
      svg('title', { id: titleId }, label),
      svg('desc', { id: descId }, description),
      yTicks.map((value) =>
        svg(
          'g',
          { class: 'tick' },
          svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(value), y2: y(value) }),
          svg('text', { x: MARGIN.left - 6, y: y(value), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, value),
        ),
      ),
      timeTicks(start, end, width - MARGIN.left - MARGIN.right).map((time) =>
        svg(
          'g',
          { class: 'tick' },
          svg('line', { x1: x(time), x2: x(time), y1: HEIGHT - MARGIN.bottom, y2: HEIGHT - MARGIN.bottom + 4 }),
          svg('text', { x: x(time), y: HEIGHT - 8, 'text-anchor': 'middle' }, tickLabel(time)),
        ),
      ),
      bands,
      svg('path', { class: 'total', d: `M${total.map((point) => point.join(',')).join('L')}` }),
      marker ? markerLine(x(toTime(marker)), `as of ${readableDate(marker)}`, width) : null,
    );
    frame.replaceChildren(chart);
  };

  draw();
  let drawnWidth = frame.clientWidth;
  new ResizeObserver(() => {
    if (frame.isConnected && frame.clientWidth !== drawnWidth) {
      drawnWidth = frame.clientWidth;
      draw();
    }
  }).observe(frame);
}

function markerLine(position, text, width) {
  const anchorEnd = position > width * 0.7;
  return svg(
    'g',
    { class: 'marker' },
    svg('line', { x1: position, x2: position, y1: MARGIN.top - 6, y2: HEIGHT - MARGIN.bottom }),
    svg(
      'text',
      { x: position + (anchorEnd ? -4 : 4), y: MARGIN.top, 'text-anchor': anchorEnd ? 'end' : 'start' },
      text,
    ),
  );
}
