// An app's page (#/app/<id>): where and since when it is restricted — a world map, a chart over time and every
// rule that selects it.
import { getAllPages, getJson } from '../api.js';
import { loadReference } from '../catalog.js';
import { drawStepChart } from '../chart.js';
import { RuleTable, asOfControl, loadingNote, ruleColumns } from '../components.js';
import { h, join, replaceChildren } from '../dom.js';
import { STATUSES, countryName, readableDate } from '../labels.js';
import { hrefFor, navigate } from '../router.js';

// How the map and the chart class a rule as of the date, strongest first. Exemptions are carve-outs, not
// restrictions, and rules that do not exist yet (not-yet) are left out.
const CLASSES = [
  { key: 'ban', label: 'Ban in force' },
  { key: 'restrict', label: 'Restriction in force' },
  { key: 'pending', label: 'Under review or announced' },
  { key: 'ended', label: 'Suspended or lifted' },
];

function classOf(effect, status) {
  if (effect === 'exempt' || status === 'not-yet') return null;
  if (status === 'in-force') return effect;
  if (status === 'under-review' || status === 'announced') return 'pending';
  return 'ended';
}

const strength = (key) => CLASSES.findIndex((entry) => entry.key === key);

export async function render(container, { id, params }) {
  const asOf = params.get('as_of') ?? '';
  container.append(loadingNote('the app'));
  const [ref, app, restrictions] = await Promise.all([
    loadReference(),
    getJson(`/v1/apps/${id}`, { as_of: asOf }),
    getAllPages(`/v1/apps/${id}/restrictions`, { as_of: asOf }),
  ]);
  document.title = `${app.name} — bantrack`;
  const rows = restrictions.items.map((item) => ({
    id: item.rule,
    title: item.title,
    issuer: item.issuer.id,
    effect: item.effect,
    scope: item.scope,
    device_tags: item.device_tags,
    status: item.status,
    since: item.since,
    firstDate: item.first_date,
    timeline: item.timeline,
    sources: item.sources,
    appPath: item.app_path,
  }));
  const places = placeRules(ref, rows);

  const mapSection = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'map-heading' },
    h('h2', { id: 'map-heading' }, `Where ${app.name} is restricted, as of ${readableDate(app.as_of)}`),
    h(
      'p',
      { class: 'note' },
      'Each country takes the strongest status among the rules of its authorities — national, ',
      'regional and agency rules alike (Texas counts for the United States). Rules of supranational bodies colour ',
      'their member countries only when they reach everyone there (public scope); rules for the bodies\u2019 own ',
      'devices and networks are listed under the map. Select a country to see its authorities.',
    ),
  );
  const chartSection = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'chart-heading' },
    h('h2', { id: 'chart-heading' }, `Rules in force against ${app.name} over time`),
  );
  const columns = ruleColumns(ref);
  const table = new RuleTable({
    caption: `Every rule that selects ${app.name}, with its status on ${readableDate(app.as_of)}`,
    columns: ['title', 'issuer', 'scope', 'effect', 'status', 'first', 'appPath', 'sources'].map((key) => [
      key,
      columns[key],
    ]),
    rows,
    sort: { key: 'first', dir: 'desc' },
  });

  replaceChildren(
    container,
    h('h1', { tabindex: '-1' }, app.name),
    h('p', { class: 'lede' }, countsSentence(app)),
    appFacts(ref, app),
    h(
      'p',
      { class: 'actions' },
      h('a', { class: 'button', href: hrefFor('/check', { app: id }) }, `Check ${app.name} on a device`),
      h('a', { class: 'button secondary', href: hrefFor('/timeline', { app: id }) }, 'Its timeline'),
      h('a', { class: 'button secondary', href: hrefFor('/', { app: id }) }, 'In the tracker'),
    ),
    asOfControl({
      id: 'app-as-of',
      asOf,
      shown: app.as_of,
      onChange: (date) => navigate(`/app/${id}`, { as_of: date }),
    }),
    mapSection,
    chartSection,
    h(
      'section',
      { 'aria-labelledby': 'rules-heading' },
      h('h2', { id: 'rules-heading' }, 'The rules'),
      rows.length ? h('div', { class: 'table-wrap' }, table.element) : h('p', {}, `No rule selects ${app.name}.`),
    ),
  );

  drawChart(chartSection, app, rows);
  const missing = await drawMap(mapSection, places);
  appendUnmapped(mapSection, ref, places, missing);
}

function appFacts(ref, app) {
  const publisher = ref.publishers.get(app.publisher);
  const owners = (publisher?.owned_by ?? []).map((owner) => ref.publisherName(owner));
  const identifiers = Object.entries(app.identifiers ?? {});
  const stores = Object.entries(app.store_urls ?? {});
  return h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Publisher'),
    h(
      'dd',
      {},
      ref.publisherName(app.publisher),
      publisher ? `, based in ${countryName(publisher.country)}` : '',
      owners.length ? `; owned by ${owners.join(', ')}` : '',
    ),
    h('dt', {}, 'Origin countries'),
    h('dd', {}, app.origin_countries.map((code) => countryName(code)).join(', ') || '—'),
    app.categories?.length ? [h('dt', {}, 'Categories'), h('dd', {}, app.categories.join(', '))] : null,
    identifiers.length
      ? [
          h('dt', {}, 'Store identifiers'),
          h(
            'dd',
            {},
            join(
              identifiers.map(([platform, ids]) => [
                `${platform}: `,
                join(
                  ids.map((value) => h('code', {}, value)),
                  ', ',
                ),
              ]),
              '; ',
            ),
          ),
        ]
      : null,
    stores.length
      ? [
          h('dt', {}, 'Store pages'),
          h(
            'dd',
            {},
            join(
              stores.map(([platform, url]) =>
                h('a', { href: url, rel: 'noreferrer' }, platform === 'ios' ? 'App Store' : 'Google Play'),
              ),
              ' · ',
            ),
          ),
        ]
      : null,
  );
}

function countsSentence(app) {
  const counts = app.restrictions;
  const parts = Object.keys(STATUSES)
    .filter((status) => counts[status] > 0)
    .map((status) => `${counts[status]} ${STATUSES[status].toLowerCase()}`);
  if (!counts.total) return `No rule on record selects ${app.name}.`;
  return (
    `${counts.total} ${counts.total === 1 ? 'rule selects' : 'rules select'} ${app.name} on ` +
    `${readableDate(app.as_of)}: ${parts.join(', ')}.`
  );
}

// Assigns each rule to a country of the map: the issuer's nearest country through part_of and within edges. A rule
// of a supranational body (nearest country: none) goes to the body, and also to its member countries when its
// scope is public. Returns {countries, bodies}: Maps of entity id -> {entity, classKey, rules}.
function placeRules(ref, rows) {
  const countries = new Map();
  const bodies = new Map();
  const add = (places, entity, row, classKey) => {
    const place = places.get(entity.id) ?? places.set(entity.id, { entity, classKey, rules: [] }).get(entity.id);
    place.rules.push(row);
    if (strength(classKey) < strength(place.classKey)) place.classKey = classKey;
  };
  for (const row of rows) {
    const classKey = classOf(row.effect, row.status);
    if (!classKey) continue;
    const place = ref.jurisdictionOf(row.issuer);
    if (place.kind === 'country') {
      add(countries, place, row, classKey);
      continue;
    }
    add(bodies, place, row, classKey);
    if (row.scope.includes('public')) {
      for (const member of ref.memberCountries(place.id)) add(countries, member, row, classKey);
    }
  }
  return { countries, bodies };
}

const classLabel = (key) => CLASSES.find((entry) => entry.key === key).label.toLowerCase();

function placeSummary(place) {
  return `${classLabel(place.classKey)} (${place.rules.length} ${place.rules.length === 1 ? 'rule' : 'rules'})`;
}

async function drawMap(section, { countries }) {
  const { drawWorldMap } = await import('../map.js');
  const mapPlaces = new Map(
    [...countries.values()].map((place) => [
      place.entity.id,
      {
        name: place.entity.name,
        classKey: place.classKey,
        summary: placeSummary(place),
        href: `#/entity/${place.entity.id}`,
      },
    ]),
  );
  return drawWorldMap(section, {
    places: mapPlaces,
    classes: CLASSES,
    label: 'World map of the countries that restrict the app',
  });
}

// Supranational bodies' rules for their own institutions, and countries too small for the map, in words.
function appendUnmapped(section, ref, { countries, bodies }, missing) {
  const items = [
    ...[...bodies.values()].map((place) =>
      h(
        'li',
        {},
        h('a', { href: `#/entity/${place.entity.id}` }, place.entity.name),
        ` — ${placeSummary(place)}: `,
        join(
          place.rules.map((row) => h('a', { href: `#/rule/${row.id}` }, ref.entityName(row.issuer))),
          ', ',
        ),
      ),
    ),
    ...missing.map((code) => {
      const place = countries.get(code);
      return h(
        'li',
        {},
        h('a', { href: `#/entity/${code}` }, place.entity.name),
        ` — ${placeSummary(place)} (too small for this map)`,
      );
    }),
  ];
  if (items.length) {
    section.append(
      h('h3', {}, 'Not on the map'),
      h(
        'p',
        { class: 'note' },
        'Supranational bodies’ rules for their own institutions, and countries too small to draw.',
      ),
      h('ul', { class: 'unmapped' }, items),
    );
  }
}

// The status of a rule on a date: its last timeline entry on or before it; null before the first.
function statusOn(timeline, date) {
  let status = null;
  for (const entry of timeline) if (entry.date <= date) status = entry.status;
  return status;
}

function drawChart(section, app, rows) {
  const counted = rows.filter((row) => row.effect !== 'exempt');
  if (!counted.length) {
    section.append(h('p', {}, 'Nothing to chart.'));
    return;
  }
  const dates = [...new Set(counted.flatMap((row) => row.timeline.map((entry) => entry.date)))].sort();
  const steps = dates.map((date) => {
    const counts = { ban: 0, restrict: 0 };
    for (const row of counted) if (statusOn(row.timeline, date) === 'in-force') counts[row.effect] += 1;
    return { date, counts };
  });
  const monthBefore = (date) => new Date(Date.parse(date) - 30 * 86400000).toISOString().slice(0, 10);
  const start = monthBefore(dates[0]);
  const end = [app.as_of, dates.at(-1)].sort().at(-1);
  const onAsOf = steps.findLast((step) => step.date <= app.as_of)?.counts ?? { ban: 0, restrict: 0 };
  const peak = Math.max(...steps.map((step) => step.counts.ban + step.counts.restrict));
  const description =
    `On ${readableDate(app.as_of)}: ${onAsOf.ban} bans and ${onAsOf.restrict} restrictions in force. ` +
    `Peak: ${peak} rules in force. First rule dated ${readableDate(dates[0])}.`;
  const series = [
    { key: 'ban', label: 'Bans in force' },
    { key: 'restrict', label: 'Restrictions in force' },
  ];
  section.append(
    h(
      'ul',
      { class: 'legend inline' },
      series.map((entry) =>
        h('li', {}, h('span', { class: `swatch class-${entry.key}`, 'aria-hidden': 'true' }), entry.label),
      ),
    ),
  );
  drawStepChart(section, {
    steps: [{ date: start, counts: {} }, ...steps],
    series,
    domain: [start, end],
    marker: app.as_of,
    label: `Rules in force against ${app.name} over time`,
    description,
  });
  section.append(
    h('p', { class: 'note' }, description),
    h(
      'details',
      {},
      h('summary', {}, 'The chart as a table'),
      h(
        'table',
        { class: 'compact' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Date', 'Bans in force', 'Restrictions in force'].map((text) => h('th', { scope: 'col' }, text)),
          ),
        ),
        h(
          'tbody',
          {},
          steps.map((step) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, h('time', { datetime: step.date }, readableDate(step.date))),
              h('td', {}, step.counts.ban),
              h('td', {}, step.counts.restrict),
            ),
          ),
        ),
      ),
    ),
  );
}
