// A world map in inline SVG: Natural Earth's 1:110m countries (world-atlas), projected with d3-geo, each country
// filled by its class. Coloured countries are links (keyboard-focusable, named for screen readers); every country
// shows its name on hover, and the coloured ones also on focus.
import { h, svg } from './dom.js';

const WIDTH = 960;
const HEIGHT = 470;
const ANTARCTICA = '010';
const INSET_WIDTH = 300;
const INSET_HEIGHT = 250;
// Longitude/latitude corners of the Europe inset: Portugal to Finland, Crete to Norway's middle.
const EUROPE_CORNERS = [
  [-11, 35],
  [32, 35],
  [-11, 62],
  [32, 62],
];

let geography = null;
// The libraries and the two data files, fetched in parallel the first time a map is drawn.
function loadGeography() {
  geography ??= Promise.all([
    import('./geo-libs.js'),
    fetch('/static/vendor/countries-110m.json').then((response) => response.json()),
    fetch('/static/vendor/iso-3166-codes.json').then((response) => response.json()),
  ]).then(([libs, atlas, codes]) => {
    const countries = libs.feature(atlas, atlas.objects.countries).features.filter((f) => f.id !== ANTARCTICA);
    // world-atlas names countries by ISO 3166-1 numeric; bantrack by alpha-2 (i18n-iso-countries' table).
    const numericByAlpha2 = new Map(codes.map(([alpha2, , numeric]) => [alpha2.toLowerCase(), numeric]));
    return { libs, countries, numericByAlpha2 };
  });
  geography.catch(() => {
    geography = null;
  });
  return geography;
}

// places: Map of alpha-2 code -> {name, classKey, summary, href}. classes: [{key, label}] for the legend order.
// Returns the codes of the places the map could not draw (too small at this scale, or no ISO numeric code).
export async function drawWorldMap(container, { places, classes, label }) {
  const { libs, countries, numericByAlpha2 } = await loadGeography();
  const placesByNumeric = new Map();
  const drawn = new Set(countries.map((country) => country.id));
  const missing = [];
  for (const [code, place] of places) {
    const numeric = numericByAlpha2.get(code);
    if (numeric && drawn.has(numeric)) placesByNumeric.set(numeric, place);
    else missing.push(code);
  }

  const tooltip = h('div', { class: 'map-tooltip', hidden: true, 'aria-hidden': 'true' });

  // One <path> per country, filled by its place's class. In the world map coloured countries are links; the
  // Europe inset repeats them for the eye only (its countries are small in the world map, not missing from it).
  const countryShapes = (pathOf, { links }) => {
    const shapes = countries.map((country) => {
      const place = placesByNumeric.get(country.id);
      const name = place?.name ?? country.properties.name;
      const text = place ? `${name}: ${place.summary}` : `${name}: no rule on record`;
      const shape = svg('path', {
        d: pathOf(country),
        class: `country ${place ? `class-${place.classKey}` : 'class-none'}`,
        'data-tip': text,
      });
      if (!place || !links) return shape;
      return svg(
        'a',
        { href: place.href, class: 'country-link', 'aria-label': text, 'data-tip': text },
        svg('title', {}, text),
        shape,
      );
    });
    // Coloured countries last, so that their outlines and focus rings are drawn over their neighbours.
    return shapes.sort((a, b) => Number(a.tagName === 'a') - Number(b.tagName === 'a'));
  };

  const world = libs.geoPath(
    libs.geoNaturalEarth1().fitExtent(
      [
        [4, 4],
        [WIDTH - 4, HEIGHT - 4],
      ],
      { type: 'Sphere' },
    ),
  );
  const map = svg(
    'svg',
    { class: 'world-map', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'group', 'aria-label': label },
    svg('path', { class: 'sphere', d: world({ type: 'Sphere' }), 'aria-hidden': 'true' }),
    countryShapes(world, { links: true }),
  );
  const europeProjection = libs
    .geoNaturalEarth1()
    .fitExtent(
      [
        [0, 0],
        [INSET_WIDTH, INSET_HEIGHT],
      ],
      { type: 'MultiPoint', coordinates: EUROPE_CORNERS },
    )
    .clipExtent([
      [0, 0],
      [INSET_WIDTH, INSET_HEIGHT],
    ]);
  const inset = h(
    'figure',
    { class: 'map-inset', 'aria-hidden': 'true' },
    svg(
      'svg',
      { viewBox: `0 0 ${INSET_WIDTH} ${INSET_HEIGHT}` },
      svg('rect', { class: 'sphere', width: INSET_WIDTH, height: INSET_HEIGHT }),
      countryShapes(libs.geoPath(europeProjection), { links: false }),
    ),
    h('figcaption', {}, 'Europe, enlarged'),
  );

  const frame = h('div', { class: 'map-frame' }, map, inset, tooltip);
  const show = (target, x, y) => {
    const tip = target?.closest?.('[data-tip]')?.dataset.tip;
    tooltip.hidden = !tip;
    if (!tip) return;
    tooltip.textContent = tip;
    const box = frame.getBoundingClientRect();
    const left = Math.min(Math.max(x - box.left, 0), box.width - 10);
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${y - box.top}px`;
    tooltip.classList.toggle('flip', left > box.width * 0.6);
  };
  frame.addEventListener('pointermove', (event) => show(event.target, event.clientX, event.clientY));
  frame.addEventListener('pointerleave', () => {
    tooltip.hidden = true;
  });
  map.addEventListener('focusin', (event) => {
    const box = event.target.getBoundingClientRect();
    show(event.target, box.left + box.width / 2, box.top + box.height / 2);
  });
  map.addEventListener('focusout', () => {
    tooltip.hidden = true;
  });

  const counts = new Map(classes.map((entry) => [entry.key, []]));
  for (const place of places.values()) counts.get(place.classKey)?.push(place.name);
  const legend = h(
    'ul',
    { class: 'legend' },
    classes.map((entry) => {
      const names = counts.get(entry.key).sort((a, b) => a.localeCompare(b));
      return h(
        'li',
        {},
        h('span', { class: `swatch class-${entry.key}`, 'aria-hidden': 'true' }),
        h('strong', {}, `${entry.label} (${names.length})`),
        names.length ? `: ${names.join(', ')}` : '',
      );
    }),
    h('li', {}, h('span', { class: 'swatch class-none', 'aria-hidden': 'true' }), h('strong', {}, 'No rule on record')),
  );
  container.append(frame, legend);
  return missing;
}
