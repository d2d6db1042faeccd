// Editor mode: #/edit (token and a rule to pick), #/add (a new restriction), #/edit/<id> (change one).
// Writes go to POST /v1/rules and PUT /v1/rules/{id} with the editor's token and a reason; the server validates,
// and its errors[] appear beside the fields they name.
import { ApiError, getJson, writeJson } from '../api.js';
import { invalidate, loadReference, loadRules, withDefaults } from '../catalog.js';
import { choiceGroup, loadingNote } from '../components.js';
import { h, replaceChildren } from '../dom.js';
import { clearFieldErrors, showFieldErrors } from '../field-errors.js';
import { EFFECTS, INSTRUMENTS, SCOPES, SCOPE_HINTS, STATUSES, TIMELINE_STATUSES } from '../labels.js';
import { navigate, setFlash } from '../router.js';
import { editorToken, forgetEditorToken, setEditorToken } from '../token.js';

export async function render(container, { id, creating = false }) {
  container.append(loadingNote('the editor'));
  const [ref, rules, stored] = await Promise.all([
    loadReference(),
    loadRules(),
    id ? getJson(`/v1/rules/${id}`).then(withDefaults) : null,
  ]);
  const heading = stored ? `Edit: ${stored.title}` : creating ? 'Add a restriction' : 'Editor';
  document.title = `${heading} — bantrack`;
  const tokenPanel = h('section', { class: 'panel token-panel', 'aria-labelledby': 'token-heading' });
  const showTokenPanel = (problem) => renderTokenPanel(tokenPanel, problem, () => showTokenPanel(null));
  showTokenPanel(null);

  replaceChildren(container, h('h1', { tabindex: '-1' }, heading), tokenPanel);
  if (stored || creating) {
    container.append(ruleForm(ref, stored, showTokenPanel));
  } else {
    container.append(pickRule(rules.rules));
  }
}

// The token: pasted once per tab, kept in sessionStorage. `problem` is the last 401/403, explained.
function renderTokenPanel(panel, problem, refresh) {
  const explanation = h(
    'p',
    { class: 'note' },
    'Writes need an editor token. An administrator creates one on the server with ',
    h('code', {}, 'bantrack token create --role editor --name YOUR-NAME'),
    '. It is kept in this tab only (sessionStorage): closing the tab forgets it, ',
    'and it is sent only to this server’s API.',
  );
  const notice = problem ? h('div', { class: 'alert alert-error', role: 'alert' }, problemAdvice(problem)) : null;
  if (editorToken()) {
    replaceChildren(
      panel,
      h('h2', { id: 'token-heading' }, 'Editor token'),
      notice,
      h(
        'p',
        {},
        'A token is set for this tab. ',
        h(
          'button',
          {
            type: 'button',
            class: 'link-button',
            onclick: () => {
              forgetEditorToken();
              refresh();
            },
          },
          'Forget it',
        ),
      ),
      problem ? explanation : null,
    );
    return;
  }
  const input = h('input', {
    type: 'password',
    id: 'editor-token',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'editor-token-hint',
  });
  const form = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: (event) => {
        event.preventDefault();
        if (!input.value.trim()) return;
        setEditorToken(input.value);
        refresh();
      },
    },
    h(
      'div',
      { class: 'field grow' },
      h('label', { for: 'editor-token' }, 'Editor token'),
      input,
      h('p', { class: 'hint', id: 'editor-token-hint' }, 'Starts with bt_.'),
    ),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Use this token')),
  );
  replaceChildren(panel, h('h2', { id: 'token-heading' }, 'Editor token'), notice, explanation, form);
}

function problemAdvice(problem) {
  if (problem.status === 401) {
    return [
      'The server did not accept the token (',
      problem.detail,
      '). Paste a current editor token below; ',
      'an administrator can list tokens with ',
      h('code', {}, 'bantrack token list'),
      ' and create one.',
    ];
  }
  if (problem.status === 403) {
    return ['This token may not change rules (', problem.detail, '). Paste a token with role editor or admin below.'];
  }
  return problem.detail;
}

function pickRule(rules) {
  const input = h('input', {
    id: 'pick-rule',
    name: 'rule',
    list: 'pick-rule-options',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'pick-heading' },
    h('h2', { id: 'pick-heading' }, 'Choose what to edit'),
    h('p', {}, h('a', { class: 'button', href: '#/add' }, 'Add a restriction')),
    h(
      'form',
      {
        class: 'inline-form',
        onsubmit: (event) => {
          event.preventDefault();
          if (input.value.trim()) navigate(`/edit/${input.value.trim()}`);
        },
      },
      h(
        'datalist',
        { id: 'pick-rule-options' },
        rules.map((rule) => h('option', { value: rule.id }, rule.title)),
      ),
      h('div', { class: 'field grow' }, h('label', { for: 'pick-rule' }, 'Or edit the rule with id'), input),
      h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Edit')),
    ),
    h('p', { class: 'note' }, 'Every rule’s page has an “Edit this restriction” link too.'),
  );
}

const list = (text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

// A labelled control whose wrapper carries the error path (data-path) and its name in the error summary.
function field(path, label, control, { hint, summaryLabel, wide = false } = {}) {
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: wide ? 'field wide' : 'field', dataset: { path, label: summaryLabel ?? label } },
    h('label', { for: control.id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
  );
}

function checkboxGroup(path, legend, name, options, checked, { columns = false } = {}) {
  return choiceGroup({
    path,
    legend,
    type: 'checkbox',
    name,
    options,
    checked: (value) => checked.includes(value),
    className: columns ? 'field checkboxes columns' : 'field checkboxes',
  });
}

// A list of rows (timeline entries, sources) that the editor can add to and remove from. Each row's fields carry
// paths like timeline[1].date, renumbered whenever a row goes.
function repeatingRows({ path, legend, itemName, values, blank, fields, rowClass }) {
  const rows = h('ol', { class: 'rows' });
  const renumber = () => {
    [...rows.children].forEach((row, index) => {
      row.dataset.path = `${path}[${index}]`;
      row.querySelector('.row-title').textContent = `${itemName} ${index + 1}`;
      for (const wrapper of row.querySelectorAll('[data-key]')) {
        wrapper.dataset.path = `${path}[${index}].${wrapper.dataset.key}`;
        wrapper.dataset.label = `${itemName} ${index + 1}: ${wrapper.dataset.name}`;
      }
    });
  };
  let counter = 0;
  const addRow = (value) => {
    counter += 1;
    const row = h(
      'li',
      { class: `row ${rowClass}` },
      h('p', { class: 'row-title' }),
      fields.map(({ key, label, control }) => {
        const input = control(`${path}-${counter}-${key}`, value[key] ?? '');
        input.dataset.field = key;
        return h('div', { class: 'field', dataset: { key, name: label } }, h('label', { for: input.id }, label), input);
      }),
      h(
        'button',
        {
          type: 'button',
          class: 'link-button remove',
          onclick: () => {
            row.remove();
            renumber();
            rows.closest('fieldset').querySelector('.add-row').focus();
          },
        },
        `Remove ${itemName.toLowerCase()}`,
      ),
    );
    rows.append(row);
    renumber();
    return row;
  };
  values.forEach(addRow);
  const addButton = h(
    'button',
    {
      type: 'button',
      class: 'secondary add-row',
      onclick: () => {
        addRow(blank).querySelector('input, select')?.focus();
      },
    },
    `Add ${itemName.toLowerCase()}`,
  );
  const fieldset = h(
    'fieldset',
    { class: 'field repeating', dataset: { path } },
    h('legend', {}, legend),
    rows,
    addButton,
  );
  const read = () =>
    [...rows.children].map((row) =>
      Object.fromEntries(
        [...row.querySelectorAll('[data-field]')].map((input) => [input.dataset.field, input.value.trim()]),
      ),
    );
  return { fieldset, read };
}

const textInput =
  (type = 'text') =>
  (id, value) =>
    h('input', { type, id, value, autocomplete: 'off' });
const statusSelect = (id, value) =>
  h(
    'select',
    { id },
    TIMELINE_STATUSES.map((status) => h('option', { value: status, selected: status === value }, STATUSES[status])),
  );

function ruleForm(ref, stored, showTokenPanel) {
  const rule =
    stored ??
    withDefaults({ id: '', issuer: '', title: '', instrument: '', effect: '', scope: [], timeline: [], sources: [] });
  const input = (id, value, extra = {}) =>
    h('input', { id, value, autocomplete: 'off', spellcheck: 'false', ...extra });
  const timeline = repeatingRows({
    path: 'timeline',
    rowClass: 'timeline-row',
    legend: 'Timeline (dates ascending; the status as of a date is that of its last entry)',
    itemName: 'Entry',
    values: rule.timeline.length ? rule.timeline : [{ status: 'in-force' }],
    blank: { status: 'in-force' },
    fields: [
      { key: 'date', label: 'Date', control: textInput('date') },
      { key: 'status', label: 'Status', control: statusSelect },
      { key: 'note', label: 'Note', control: textInput() },
    ],
  });
  const sources = repeatingRows({
    path: 'sources',
    rowClass: 'source-row',
    legend: 'Sources (at least one public source)',
    itemName: 'Source',
    values: rule.sources.length ? rule.sources : [{}],
    blank: {},
    fields: [
      { key: 'url', label: 'URL', control: textInput('url') },
      { key: 'title', label: 'Title', control: textInput() },
      { key: 'outlet', label: 'Outlet', control: textInput() },
      { key: 'published', label: 'Published', control: textInput('date') },
    ],
  });
  const summary = h('div', { class: 'alert alert-error error-summary', tabindex: '-1', hidden: true });
  const issuerName = h('span', { class: 'resolved' });
  const showIssuer = (value) => {
    issuerName.textContent = ref.entities.has(value) ? `= ${ref.entityName(value)}` : '';
  };
  showIssuer(rule.issuer);

  const form = h(
    'form',
    { class: 'rule-form', novalidate: true },
    summary,
    h(
      'datalist',
      { id: 'editor-entities' },
      ref.entityList.map((entity) => h('option', { value: entity.id }, entity.name)),
    ),
    h(
      'div',
      { class: 'form-grid' },
      field('id', 'Id', input('rule-id', rule.id, { readonly: Boolean(stored) }), {
        hint: stored
          ? 'The id of a stored rule does not change.'
          : 'issuer-date-subject, e.g. us-tx-2025-01-31-chinese-ai-social',
      }),
      field(
        'issuer',
        'Issuer',
        input('rule-issuer', rule.issuer, {
          list: 'editor-entities',
          oninput: (event) => showIssuer(event.target.value.trim()),
        }),
        { hint: ['The authority whose organization or territory the rule covers (an entity id). ', issuerName] },
      ),
      field('title', 'Title', input('rule-title', rule.title, { spellcheck: 'true' }), { wide: true }),
      field(
        'instrument',
        'Instrument',
        h(
          'select',
          { id: 'rule-instrument' },
          h('option', { value: '' }, 'Choose…'),
          Object.entries(INSTRUMENTS).map(([value, text]) =>
            h('option', { value, selected: value === rule.instrument }, text),
          ),
        ),
      ),
      choiceGroup({
        path: 'effect',
        legend: 'Effect',
        type: 'radio',
        name: 'effect',
        options: Object.entries(EFFECTS),
        checked: (value) => value === rule.effect,
        className: 'field inline-choices',
      }),
    ),
    checkboxGroup(
      'scope',
      'Scope',
      'scope',
      Object.entries(SCOPES).map(([value, text]) => [value, text, SCOPE_HINTS[value]]),
      rule.scope,
    ),
    h(
      'fieldset',
      { class: 'selector-fields' },
      h('legend', {}, 'What it selects (an app matches when any part does)'),
      checkboxGroup(
        'apps',
        'Apps',
        'apps',
        ref.appList.map((app) => [app.id, app.name]),
        rule.apps,
        { columns: true },
      ),
      checkboxGroup(
        'publishers',
        'Publishers (every app of theirs and of what they own)',
        'publishers',
        ref.publisherList.map((publisher) => [publisher.id, publisher.name]),
        rule.publishers,
        { columns: true },
      ),
      h(
        'div',
        { class: 'form-grid' },
        field('categories', 'Categories', input('rule-categories', rule.categories.join(', ')), {
          hint: 'Comma-separated slugs, e.g. ai-assistant',
        }),
        field('origin_countries', 'Origin countries', input('rule-origins', rule.origin_countries.join(', ')), {
          hint: 'Comma-separated ISO codes, e.g. cn, ru; with categories, both must hold',
        }),
      ),
    ),
    field('device_tags', 'Device tags', input('rule-tags', rule.device_tags.join(', ')), {
      hint: 'Only devices carrying all these tags, e.g. law-enforcement. Usually empty.',
    }),
    timeline.fieldset,
    sources.fieldset,
    field('summary', 'Summary', h('textarea', { id: 'rule-summary', rows: 6 }, rule.summary ?? ''), {
      hint: 'What the instrument says, its exceptions, doubts about the facts.',
    }),
    field(
      'reason',
      'Reason for this change (required: it goes into the edit log)',
      input('rule-reason', '', { required: true, spellcheck: 'true' }),
      { summaryLabel: 'Reason' },
    ),
    h(
      'p',
      {},
      h('button', { type: 'submit' }, stored ? 'Save changes' : 'Add restriction'),
      ' ',
      h('a', { href: stored ? `#/rule/${stored.id}` : '#/edit' }, 'Cancel'),
    ),
  );

  const checkedValues = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
  const value = (id) => form.querySelector(`#${id}`).value.trim();
  const readRule = () => {
    const body = {
      id: value('rule-id'),
      issuer: value('rule-issuer'),
      title: value('rule-title'),
      instrument: value('rule-instrument') || undefined,
      effect: form.querySelector('input[name="effect"]:checked')?.value,
      scope: checkedValues('scope'),
      apps: checkedValues('apps'),
      publishers: checkedValues('publishers'),
      categories: list(value('rule-categories')),
      origin_countries: list(value('rule-origins')),
      device_tags: list(value('rule-tags')),
      // Optional fields left empty are left out: the bundle format refuses empty strings for them.
      timeline: timeline.read().map(({ date, status, note }) => ({ date, status, ...(note ? { note } : {}) })),
      sources: sources.read().map(({ url, title, outlet, published }) => ({
        url,
        title,
        ...(outlet ? { outlet } : {}),
        ...(published ? { published } : {}),
      })),
      summary: value('rule-summary') || undefined,
    };
    return JSON.parse(JSON.stringify(body)); // drops the undefined fields
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    summary.hidden = true;
    if (!editorToken()) {
      showTokenPanel({ detail: 'Paste an editor token first: every write needs one.' });
      document.getElementById('editor-token')?.focus();
      return;
    }
    const body = readRule();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const { snapshot } = stored
        ? await writeJson('PUT', `/v1/rules/${stored.id}`, { body, reason: value('rule-reason'), token: editorToken() })
        : await writeJson('POST', '/v1/rules', { body, reason: value('rule-reason'), token: editorToken() });
      // Everything shown elsewhere was read before this write: load it again (the footer shows the new version).
      invalidate();
      loadRules();
      setFlash(`Saved “${body.title}”. The data is now at version ${snapshot}.`);
      navigate(`/rule/${body.id}`);
    } catch (error) {
      button.disabled = false;
      reportWriteError(error, form, summary, showTokenPanel);
    }
  });
  return form;
}

function reportWriteError(error, form, summary, showTokenPanel) {
  if (!(error instanceof ApiError)) throw error;
  const problem = error.problem;
  if (error.status === 401 || error.status === 403) {
    // The token cannot write rules: forget it, so that the panel asks for another.
    forgetEditorToken();
    showTokenPanel(problem);
  }
  // A create whose id is taken: the server names no path, but the id is the field concerned.
  const errors =
    error.status === 409 && !error.fieldErrors.length ? [{ path: 'id', message: problem.detail }] : error.fieldErrors;
  const count = errors.length === 1 ? 'one problem' : `${errors.length} problems`;
  const heading = errors.length ? `Not saved: the server found ${count}` : `Not saved: ${problem.title}`;
  showFieldErrors(form, summary, { heading, errors, detail: problem.detail });
}
