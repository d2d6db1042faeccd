// An entity's page (#/entity/<id>): what it issued, what reaches its devices, networks and territory from above,
// with the path up to each issuer, and the bodies under it.
import { getJson } from '../api.js';
import { loadReference } from '../catalog.js';
import { RuleTable, asOfControl, entityContext, entityLink, loadingNote, ruleColumns } from '../components.js';
import { h, join, replaceChildren } from '../dom.js';
import { readableDate } from '../labels.js';
import { hrefFor, navigate } from '../router.js';

// The groups of GET /v1/entities/{id}/restrictions, in the order a reader asks about them.
const GROUPS = [
  {
    key: 'government_devices',
    heading: 'Its government devices',
    scope: 'government-devices',
    device: 'government',
    field: 'owner',
    explain: 'Devices this body owns: rules it issued for government devices, and those of every body it is part of.',
  },
  {
    key: 'work_devices',
    heading: 'Work devices of its people',
    scope: 'work-devices',
    device: 'work',
    field: 'owner',
    explain: 'Personal devices used for its business: rules for work devices, issued by it or a body it is part of.',
  },
  {
    key: 'networks',
    heading: 'Its networks',
    scope: 'government-networks',
    device: 'government',
    field: 'network',
    explain: 'Any device on its networks: rules for government networks, issued by it or a body it is part of.',
  },
  {
    key: 'located_here',
    heading: 'Every device located here',
    scope: 'public',
    device: 'personal',
    field: 'location',
    explain: 'Public rules of this place and of every place it lies within.',
  },
];

export async function render(container, { id, params }) {
  const asOf = params.get('as_of') ?? '';
  container.append(loadingNote('the entity'));
  const [ref, entity, reach] = await Promise.all([
    loadReference(),
    getJson(`/v1/entities/${id}`),
    getJson(`/v1/entities/${id}/restrictions`, { as_of: asOf }),
  ]);
  document.title = `${entity.name} — bantrack`;
  const columns = ruleColumns(ref);
  const issuedRows = reach.issued.map((item) => ({ ...item, id: item.rule, issuer: id, device_tags: [] }));

  replaceChildren(
    container,
    h('h1', { tabindex: '-1' }, entity.name),
    h('p', { class: 'lede' }, entityContext(ref, id)),
    hierarchy(ref, entity),
    asOfControl({
      id: 'entity-as-of',
      asOf,
      shown: reach.as_of,
      onChange: (date) => navigate(`/entity/${id}`, { as_of: date }),
    }),
    h(
      'section',
      { 'aria-labelledby': 'issued-heading' },
      h('h2', { id: 'issued-heading' }, `Issued by ${entity.name}`),
      issuedRows.length
        ? h(
            'div',
            { class: 'table-wrap' },
            new RuleTable({
              caption: `Rules ${entity.name} issued, with their status on ${readableDate(reach.as_of)}`,
              columns: ['title', 'effect', 'scope', 'status'].map((key) => [key, columns[key]]),
              rows: issuedRows,
              sort: { key: 'status', dir: 'asc' },
            }).element,
          )
        : h('p', {}, 'No rule on record.'),
    ),
    h('h2', {}, `What applies, on ${readableDate(reach.as_of)}`),
    GROUPS.map((group) => reachSection(ref, entity, reach[group.key], group, columns)),
  );
}

function hierarchy(ref, entity) {
  const trail = (ancestors) =>
    join([entityLink(ref, entity.id), ...ancestors.map((ancestor) => entityLink(ref, ancestor.id))], ' → ');
  const byEdge = (edge) => entity.children.filter((child) => child.edge === edge);
  const childList = (children) =>
    h(
      'ul',
      { class: 'plain children' },
      children.map((child) =>
        h('li', {}, entityLink(ref, child.id), h('span', { class: 'muted' }, ` (${child.kind})`)),
      ),
    );
  return h(
    'dl',
    { class: 'facts' },
    entity.org_ancestors.length ? [h('dt', {}, 'Part of'), h('dd', {}, trail(entity.org_ancestors))] : null,
    entity.territory_ancestors.length
      ? [h('dt', {}, 'Lies within'), h('dd', {}, trail(entity.territory_ancestors))]
      : null,
    byEdge('part_of').length ? [h('dt', {}, 'Bodies under it'), h('dd', {}, childList(byEdge('part_of')))] : null,
    byEdge('within').length ? [h('dt', {}, 'Places within it'), h('dd', {}, childList(byEdge('within')))] : null,
  );
}

function reachSection(ref, entity, items, group, columns) {
  const headingId = `reach-${group.key}`;
  const rows = items.map((item) => ({
    ...item,
    ...item.selector,
    id: item.rule,
    issuer: item.issuer.id,
  }));
  const checkLink = h(
    'a',
    { href: hrefFor('/check', { device: group.device, [group.field]: entity.id }) },
    `Check an app here`,
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': headingId },
    h('h3', { id: headingId }, group.heading, h('span', { class: 'count-badge' }, items.length)),
    h('p', { class: 'note' }, group.explain, ' ', checkLink),
    rows.length
      ? h(
          'div',
          { class: 'table-wrap' },
          new RuleTable({
            caption: `${group.heading}: rules that reach ${entity.name}`,
            columns: ['title', 'apps', 'effect', 'status', 'reach'].map((key) => [key, columns[key]]),
            rows,
          }).element,
        )
      : h('p', { class: 'muted' }, 'Nothing applies.'),
  );
}
