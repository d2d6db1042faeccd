// Asking Cedar (cedar-wasm, pinned in tests/cedar/package-lock.json) the questions bantrack answers, from a
// bantrack Cedar export (rules/cedar.h, CedarDocument). Shared by the differential test (tests/cedar/differential.mjs)
// and the timing script (bench/cedar/time_cedar.mjs); docs/CEDAR.md describes the mapping.
//
// The fastest honest mode cedar-wasm offers: the policy set is parsed once (preparsePolicySet) and every question
// is a statefulIsAuthorized call. cedar-wasm has no way to load entities once, so each call passes them; by default
// the call gets only the entities its answer can depend on — the device, and the owner, network, location and app
// with all their ancestors (Cedar's "entity slicing") — and with `allEntities` every entity of the export.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const cedar = require('@cedar-policy/cedar-wasm/nodejs');

const POLICY_SET = 'bantrack';
// The export's entity types, all in the namespace Bantrack.
const type = (name) => `Bantrack::${name}`;
const DEVICE = { type: type('Device'), id: 'device' };
const ACTION = { type: type('Action'), id: 'install' };

const key = (uid) => `${uid.type}::${uid.id}`;

function failure(what, errors) {
  return new Error(`${what}: ${errors.map((e) => e.message + (e.help ? ` (${e.help})` : '')).join('; ')}`);
}

// The questions of a bantrack batch body (POST /v1/check, `bantrack batch`), in the order asked: either
// {"device", "apps", "as_of"?} or {"queries": [{"device", "app", "as_of"?}], "as_of"?}. A question without a date is
// asked as of `today` (YYYY-MM-DD), as bantrack does.
export function questionsOf(body, today = new Date().toISOString().slice(0, 10)) {
  const asOf = body.as_of ?? today;
  if (body.queries) return body.queries.map((q) => ({ device: q.device, app: q.app, as_of: q.as_of ?? asOf }));
  return body.apps.map((app) => ({ device: body.device, app, as_of: asOf }));
}

// The context date of a question: YYYYMMDD as a number.
const cedarDate = (asOf) => Number(asOf.replaceAll('-', ''));

// The device entity of one question: kind, tags, and owner/network/location when given.
function deviceEntity(device) {
  const attrs = { kind: device.kind };
  if (device.owner) attrs.owner = { __entity: { type: type('Org'), id: device.owner } };
  if (device.network) attrs.network = { __entity: { type: type('Org'), id: device.network } };
  if (device.location) attrs.location = { __entity: { type: type('Territory'), id: device.location } };
  attrs.tags = device.tags ?? [];
  return { uid: DEVICE, attrs, parents: [] };
}

export class CedarSession {
  // `document`: the parsed export {schema, policies, entities}. Throws when Cedar refuses any part of it.
  constructor(document) {
    this.document = document;
    // Cedar would name the policies policy0, policy1, ...; the Cedar CLI names them by @id, and so do we, so that a
    // decision's reasons are bantrack rule ids. Each policy of the export begins with its @id line, and no other line
    // begins with "@id(" (rules/cedar.h): cut the text there. (cedar-wasm's own policySetTextToParts takes minutes
    // on a large export, and parsing the text whole longer still.)
    this.policies = {};
    this.effects = {};
    const heads = [...document.policies.matchAll(/^@id\("([^"]*)"\)\n(?:@effect\("([a-z]+)"\)\n)?/gm)];
    heads.forEach((head, i) => {
      const [, id, effect] = head;
      if (id in this.policies) throw new Error(`two policies with @id("${id}")`);
      this.policies[id] = document.policies.slice(head.index, heads[i + 1]?.index);
      this.effects[id] = effect;
    });
    const loaded = cedar.preparsePolicySet(POLICY_SET, { staticPolicies: this.policies });
    if (loaded.type !== 'success') throw failure('policy set refused', loaded.errors);

    this.entities = new Map(document.entities.map((e) => [key(e.uid), e]));
    this.closures = new Map();
  }

  get ruleCount() {
    return Object.keys(this.policies).length - 1;  // every policy but the default permit is a rule
  }

  // Strict validation of the policies against the schema, and of the entities: Cedar's error messages, or [].
  validate() {
    const problems = [];
    const answer = cedar.validate({ schema: this.document.schema, policies: { staticPolicies: this.policies } });
    if (answer.type !== 'success') return answer.errors.map((e) => e.message);
    for (const e of answer.validationErrors) problems.push(`${e.policyId}: ${e.error.message}`);
    const entities = cedar.checkParseEntities({ entities: this.document.entities, schema: this.document.schema });
    if (entities.type !== 'success') problems.push(...entities.errors.map((e) => `entities: ${e.message}`));
    return problems;
  }

  // The entity with this uid and all its ancestors, once each (entities not in the export contribute nothing).
  closure(uid) {
    const k = key(uid);
    let found = this.closures.get(k);
    if (found) return found;
    const seen = new Map();
    const visit = (u) => {
      const entity = this.entities.get(key(u));
      if (!entity || seen.has(key(u))) return;
      seen.set(key(u), entity);
      entity.parents.forEach(visit);
    };
    visit(uid);
    found = [...seen.values()];
    this.closures.set(k, found);
    return found;
  }

  // The entities a question's answer depends on, besides the device.
  slice(device, appId) {
    const roots = [{ type: type('App'), id: appId }];
    if (device.owner) roots.push({ type: type('Org'), id: device.owner });
    if (device.network) roots.push({ type: type('Org'), id: device.network });
    if (device.location) roots.push({ type: type('Territory'), id: device.location });
    const slice = new Map();
    for (const root of roots) for (const e of this.closure(root)) slice.set(key(e.uid), e);
    return [...slice.values()];
  }

  // The Cedar request for a question about a catalog app id (rules/cedar.h, CedarRequest).
  request(question, appId, { allEntities = false } = {}) {
    const device = deviceEntity(question.device);
    return {
      principal: DEVICE,
      action: ACTION,
      resource: { type: type('App'), id: appId },
      context: { date: cedarDate(question.as_of) },
      entities: [device, ...(allEntities ? this.document.entities : this.slice(question.device, appId))],
    };
  }

  // Cedar's answer: {decision: 'allow' | 'deny', reasons: [policy ids], errors: [messages]}.
  authorize(request) {
    const answer = cedar.statefulIsAuthorized({ ...request, preparsedPolicySetId: POLICY_SET });
    if (answer.type !== 'success') throw failure('Cedar refused the request', answer.errors);
    const { decision, diagnostics } = answer.response;
    const errors = diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`);
    return { decision, reasons: diagnostics.reason, errors };
  }
}
