// The compliance check (#/check?app=…&device=…): may app A be on device D on date T — and why? The form's state
// is the URL; the verdict comes from GET /v1/check, explained rule by rule.
import { ApiError, getJson } from '../api.js';
import { loadReference, loadRules } from '../catalog.js';
import {
  RuleTable,
  appPath,
  choiceGroup,
  effectBadge,
  entityLink,
  entityPath,
  errorNote,
  instrumentLabel,
  loadingNote,
  ruleLink,
  sourcesList,
  statusBadge,
} from '../components.js';
import { h, replaceChildren } from '../dom.js';
import { clearFieldErrors, showFieldErrors } from '../field-errors.js';
import { DEVICE_KINDS, ROLES, SCOPES, VERDICTS, readableDate } from '../labels.js';
import { pushParams } from '../router.js';

const FIELDS = ['app', 'device', 'owner', 'location', 'network', 'tags', 'as_of'];

// What a verdict means, in one sentence.
const MEANINGS = {
  banned: (app) => `${app} may not be on this device: a ban in force applies, and no exemption lifts it.`,
  restricted: (app) => `${app} is allowed only under the conditions of the restriction below (see its summary).`,
  'under-review': (app) =>
    `No ban or restriction is in force yet, but one that would cover ${app} here is under review or announced.`,
  allowed: (app) => `No ban or restriction in force covers ${app} on this device.`,
};

// What a device path starts from, by the scope that matched.
const PATH_START = {
  'government-devices': 'owner',
  'work-devices': 'owner',
  'government-networks': 'network',
  public: 'location',
};

export async function render(container, { params }) {
  document.title = 'Check an app — bantrack';
  container.append(loadingNote('the catalog'));
  const ref = await loadReference();
  const query = Object.fromEntries(FIELDS.map((name) => [name, params.get(name) ?? '']));
  query.device ||= 'government';

  const result = h('div', { class: 'check-result', 'aria-live': 'polite' });
  const summary = h('div', { class: 'alert alert-error error-summary', tabindex: '-1', hidden: true });
  const form = checkForm(ref, query, summary);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const asked = Object.fromEntries(FIELDS.map((name) => [name, form.elements[name].value.trim()]));
    pushParams(asked);
    runCheck(ref, form, summary, result, asked).then(() => {
      // Take the reader from the form to the answer (below the form, off screen on a phone).
      result.querySelector('.verdict-word')?.focus();
    });
  });

  replaceChildren(
    container,
    h('h1', { tabindex: '-1' }, 'Check an app'),
    h(
      'p',
      { class: 'lede' },
      'May an app be on a device — and why? Name the app, the kind of device and whose it is, ',
      'where it is and which network it uses; the answer lists every rule that applies, with the path from the ',
      'device to the issuer and the sources.',
    ),
    form,
    result,
  );
  if (params.get('app')) runCheck(ref, form, summary, result, query);
}

function checkForm(ref, query, summary) {
  const entityField = (name, label, hint) => {
    const resolved = h('span', { class: 'resolved', id: `check-${name}-resolved` });
    const showName = (value) => {
      resolved.textContent = ref.entities.has(value) ? ref.entityName(value) : '';
    };
    const input = h('input', {
      id: `check-${name}`,
      name,
      value: query[name],
      list: 'check-entities',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': `check-${name}-hint check-${name}-resolved`,
      oninput: (event) => showName(event.target.value.trim()),
    });
    showName(query[name]);
    return h(
      'div',
      { class: 'field', dataset: { path: name } },
      h('label', { for: `check-${name}` }, label),
      input,
      h('p', { class: 'hint', id: `check-${name}-hint` }, hint, ' ', resolved),
    );
  };
  const appOptions = ref.appList.flatMap((app) => [
    h('option', { value: app.id }, app.name),
    ...Object.entries(app.identifiers ?? {}).flatMap(([platform, ids]) =>
      ids.map((identifier) => h('option', { value: `${platform}:${identifier}` }, `${app.name} (${platform})`)),
    ),
  ]);

  return h(
    'form',
    { class: 'check-form', novalidate: true },
    summary,
    h('datalist', { id: 'check-apps' }, appOptions),
    h(
      'datalist',
      { id: 'check-entities' },
      ref.entityList.map((entity) => h('option', { value: entity.id }, entity.name)),
    ),
    h(
      'div',
      { class: 'form-grid' },
      h(
        'div',
        { class: 'field', dataset: { path: 'app' } },
        h('label', { for: 'check-app' }, 'App'),
        h('input', {
          id: 'check-app',
          name: 'app',
          value: query.app,
          list: 'check-apps',
          required: true,
          autocomplete: 'off',
          spellcheck: 'false',
          'aria-describedby': 'check-app-hint',
        }),
        h(
          'p',
          { class: 'hint', id: 'check-app-hint' },
          'An app id (deepseek) or a store identifier: ios:<bundle id>, ',
          'android:<package>, web:<domain>.',
        ),
      ),
      choiceGroup({
        path: 'device',
        legend: 'Device',
        type: 'radio',
        name: 'device',
        options: Object.entries(DEVICE_KINDS),
        checked: (kind) => query.device === kind,
      }),
      entityField(
        'owner',
        'Owner',
        'The body that owns the device (or employs its user): an entity id such as us-tx-dps.',
      ),
      entityField('location', 'Location', 'Where the device is: a country or place, such as it or us-tx.'),
      entityField('network', 'Network', 'Whose network it is on, such as us-dod.'),
      h(
        'div',
        { class: 'field', dataset: { path: 'tags' } },
        h('label', { for: 'check-tags' }, 'Device tags'),
        h('input', {
          id: 'check-tags',
          name: 'tags',
          value: query.tags,
          autocomplete: 'off',
          'aria-describedby': 'check-tags-hint',
        }),
        h('p', { class: 'hint', id: 'check-tags-hint' }, 'Comma-separated, such as law-enforcement. Optional.'),
      ),
      h(
        'div',
        { class: 'field', dataset: { path: 'as_of' } },
        h('label', { for: 'check-as_of' }, 'Date'),
        h('input', {
          type: 'date',
          id: 'check-as_of',
          name: 'as_of',
          value: query.as_of,
          'aria-describedby': 'check-as_of-hint',
        }),
        h('p', { class: 'hint', id: 'check-as_of-hint' }, 'Empty: today.'),
      ),
    ),
    h('p', {}, h('button', { type: 'submit' }, 'Check')),
  );
}

async function runCheck(ref, form, summary, result, asked) {
  clearFieldErrors(form);
  summary.hidden = true;
  replaceChildren(result, loadingNote('the verdict'));
  try {
    const [verdict, rules] = await Promise.all([getJson('/v1/check', asked), loadRules()]);
    const ruleById = new Map(rules.rules.map((rule) => [rule.id, rule]));
    replaceChildren(result, verdictView(ref, verdict, ruleById, asked));
  } catch (error) {
    replaceChildren(result);
    if (error instanceof ApiError && error.fieldErrors.length) {
      showFieldErrors(form, summary, { heading: 'The check could not run', errors: error.fieldErrors });
    } else {
      result.append(errorNote(error));
    }
  }
}

// "DeepSeek on a government device owned by Texas DPS, located in Italy, on 1 Feb 2025".
function questionOf(ref, verdict) {
  const device = verdict.device;
  const parts = [`${verdict.app.name} on a ${device.kind} device`];
  if (device.owner) parts.push(' owned by ', entityLink(ref, device.owner));
  if (device.location) parts.push(', located in ', entityLink(ref, device.location));
  if (device.network) parts.push(', on the network of ', entityLink(ref, device.network));
  if (device.tags?.length) parts.push(`, tagged ${device.tags.join(', ')}`);
  parts.push(`, on ${readableDate(verdict.as_of)}`);
  return parts;
}

function verdictView(ref, verdict, ruleById, asked) {
  const decisive = verdict.matches.filter((match) => match.role === 'decisive');
  const others = verdict.matches.filter((match) => match.role !== 'decisive');
  const apiLink = `/v1/check?${new URLSearchParams(Object.entries(asked).filter(([, value]) => value))}`;
  return h(
    'div',
    {},
    h(
      'section',
      { class: `verdict verdict-${verdict.verdict}`, 'aria-labelledby': 'verdict-word' },
      h('p', { class: 'verdict-question' }, questionOf(ref, verdict)),
      h(
        'h2',
        { id: 'verdict-word', class: 'verdict-word', tabindex: '-1' },
        VERDICTS[verdict.verdict] ?? verdict.verdict,
      ),
      h('p', { class: 'verdict-meaning' }, MEANINGS[verdict.verdict]?.(verdict.app.name)),
    ),
    decisive.length
      ? h(
          'section',
          { 'aria-labelledby': 'decisive-heading' },
          h('h2', { id: 'decisive-heading' }, decisive.length === 1 ? 'The decisive rule' : 'The decisive rules'),
          decisive.map((match) => matchCard(ref, match, ruleById.get(match.rule))),
        )
      : null,
    others.length
      ? h(
          'section',
          { 'aria-labelledby': 'others-heading' },
          h('h2', { id: 'others-heading' }, 'Every other rule that matches'),
          h('div', { class: 'table-wrap' }, otherMatchesTable(ref, others, ruleById)),
        )
      : h(
          'p',
          { class: 'muted' },
          verdict.matches.length ? 'No other rule matches.' : 'No rule matches this device and app.',
        ),
    h(
      'p',
      { class: 'note' },
      `Answered from data version ${verdict.snapshot}. `,
      h('a', { href: apiLink }, 'This answer as JSON'),
      '.',
    ),
  );
}

function matchCard(ref, match, rule) {
  return h(
    'article',
    { class: 'match-card', dataset: { rule: match.rule } },
    h('h3', {}, ruleLink(match.rule, rule?.title)),
    h(
      'p',
      {},
      effectBadge(match.effect),
      ' ',
      statusBadge(match.status),
      ' issued by ',
      entityLink(ref, match.issuer),
      rule ? ` (${instrumentLabel(rule.instrument).toLowerCase()})` : '',
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Reaches the device'),
      h(
        'dd',
        {},
        `through the device’s ${PATH_START[match.scope]} (scope: ${SCOPES[match.scope].toLowerCase()})`,
        entityPath(ref, match.device_path, {
          label: 'From the device up to the issuer',
          roles: { first: PATH_START[match.scope], last: 'issuer' },
        }),
      ),
      h('dt', {}, 'Selects the app'),
      h('dd', {}, appPath(ref, match.app_path)),
      rule?.summary ? [h('dt', {}, 'What it says'), h('dd', {}, rule.summary)] : null,
      h('dt', {}, 'Sources'),
      h('dd', {}, sourcesList(match.sources)),
    ),
  );
}

function roleCell(match) {
  const role = h('span', { class: `badge role-${match.role}` }, ROLES[match.role] ?? match.role);
  return match.lifted_by ? [role, h('span', { class: 'note' }, 'by ', ruleLink(match.lifted_by))] : role;
}

function otherMatchesTable(ref, matches, ruleById) {
  const columns = [
    [
      'rule',
      {
        label: 'Rule',
        cell: (match) => [
          ruleLink(match.rule, ruleById.get(match.rule)?.title),
          h('span', { class: 'note' }, 'issued by ', entityLink(ref, match.issuer)),
        ],
      },
    ],
    ['role', { label: 'Role', cell: roleCell }],
    [
      'status',
      { label: 'Effect and status', cell: (match) => [effectBadge(match.effect), ' ', statusBadge(match.status)] },
    ],
    [
      'device',
      {
        label: 'Reaches the device',
        cell: (match) => [
          SCOPES[match.scope],
          entityPath(ref, match.device_path, { roles: { first: PATH_START[match.scope], last: 'issuer' } }),
        ],
      },
    ],
    ['app', { label: 'Selects the app', cell: (match) => appPath(ref, match.app_path) }],
    ['sources', { label: 'Sources', cell: (match) => sourcesList(match.sources, { compact: true }) }],
  ];
  return new RuleTable({
    caption: 'Rules that match but did not decide: outranked, lifted, exempting, pending or inactive',
    columns,
    rows: matches.map((match) => ({ ...match, id: match.rule })),
  }).element;
}
