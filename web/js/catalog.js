// The data the views share, loaded once and kept until a write changes it: entities, apps and publishers (which do
// not depend on a date) and the rule list (whose statuses do, so it is kept per as_of date). Requests go out in
// parallel; nothing here waits on another request.
import { getAllPages, getJson } from './api.js';

let referencePromise = null;
const rulesByDate = new Map();
const ruleIdsByApp = new Map();
const dataListeners = new Set();

// The latest data version seen, {snapshot, lastChange}, or null before the first rule list arrives.
let latestVersion = null;
export function currentDataVersion() {
  return latestVersion;
}

// Calls back with {snapshot, lastChange} whenever a rule list arrives with a data version not seen before.
// Returns a function that stops the calls.
export function onDataVersion(listener) {
  dataListeners.add(listener);
  return () => dataListeners.delete(listener);
}

let lastAnnouncedSnapshot = null;
async function announceSnapshot(snapshot) {
  if (snapshot === lastAnnouncedSnapshot) return;
  lastAnnouncedSnapshot = snapshot;
  const lastChange = await loadLastChange(snapshot);
  latestVersion = { snapshot, lastChange };
  for (const listener of dataListeners) listener(latestVersion);
}

// The edit-log entry that made this data version. The store's version is the seq of its newest log entry
// (db/store.h), so the entry after seq version-1 is the last change. Null when the log is not available here
// (a replica answers /v1/changes with an error) or the version is not a number.
async function loadLastChange(snapshot) {
  const version = Number(snapshot);
  if (!Number.isInteger(version) || version < 1) return null;
  try {
    const log = await getJson('/v1/changes', { since: version - 1, limit: 1 });
    return log.changes[0] ?? null;
  } catch {
    return null;
  }
}

// Forget everything: the next view loads the data afresh (after a write).
export function invalidate() {
  referencePromise = null;
  rulesByDate.clear();
  ruleIdsByApp.clear();
}

export function loadReference() {
  if (!referencePromise) {
    referencePromise = Promise.all([
      getAllPages('/v1/entities'),
      getAllPages('/v1/apps'),
      getAllPages('/v1/publishers'),
    ]).then(([entities, apps, publishers]) => new Reference(entities.items, apps.items, publishers.items));
    referencePromise.catch(() => {
      referencePromise = null;
    }); // let the next view try again
  }
  return referencePromise;
}

// All rules with their status on asOf ('' = the server's today): {asOf, snapshot, rules}.
export function loadRules(asOf = '') {
  if (!rulesByDate.has(asOf)) {
    const promise = getAllPages('/v1/rules', { as_of: asOf }).then((list) => {
      announceSnapshot(list.snapshot);
      return { asOf: list.as_of, snapshot: list.snapshot, rules: list.items.map(withDefaults) };
    });
    promise.catch(() => rulesByDate.delete(asOf));
    rulesByDate.set(asOf, promise);
  }
  return rulesByDate.get(asOf);
}

// The ids of the rules that select an app, as the server's engine decides it (listed, through a publisher it
// belongs to, or by category and origin).
export function loadRuleIdsForApp(appId) {
  if (!ruleIdsByApp.has(appId)) {
    const promise = getAllPages('/v1/rules', { app: appId }).then((list) => new Set(list.items.map((rule) => rule.id)));
    promise.catch(() => ruleIdsByApp.delete(appId));
    ruleIdsByApp.set(appId, promise);
  }
  return ruleIdsByApp.get(appId);
}

// The API leaves empty optional lists out of a rule; the views may rely on them being there.
export function withDefaults(rule) {
  return {
    ...rule,
    apps: rule.apps ?? [],
    publishers: rule.publishers ?? [],
    categories: rule.categories ?? [],
    origin_countries: rule.origin_countries ?? [],
    device_tags: rule.device_tags ?? [],
  };
}

// Entities, apps and publishers by id, and the walks up the entity graph that the views need.
class Reference {
  constructor(entities, apps, publishers) {
    const byName = (a, b) => a.name.localeCompare(b.name);
    this.entityList = entities.map((e) => ({ ...e, part_of: e.part_of ?? [], within: e.within ?? [] })).sort(byName);
    this.appList = [...apps].sort(byName);
    this.publisherList = [...publishers].sort(byName);
    this.entities = new Map(this.entityList.map((e) => [e.id, e]));
    this.apps = new Map(this.appList.map((a) => [a.id, a]));
    this.publishers = new Map(this.publisherList.map((p) => [p.id, p]));
  }

  entityName(id) {
    return this.entities.get(id)?.name ?? id;
  }

  appName(id) {
    return this.apps.get(id)?.name ?? id;
  }

  publisherName(id) {
    return this.publishers.get(id)?.name ?? id;
  }

  // The direct parents of an entity: [{entity, edge: 'part_of' | 'within'}], organizational ones first.
  parentsOf(id) {
    const entity = this.entities.get(id);
    if (!entity) return [];
    return [
      ...entity.part_of.map((parent) => ({ entity: this.entities.get(parent), edge: 'part_of' })),
      ...entity.within.map((parent) => ({ entity: this.entities.get(parent), edge: 'within' })),
    ].filter((parent) => parent.entity);
  }

  // The nearest entity of `kind` at or above `id`, through part_of and within edges alike (breadth first).
  nearestOfKind(id, kind) {
    const queue = [id];
    const seen = new Set(queue);
    while (queue.length) {
      const entity = this.entities.get(queue.shift());
      if (!entity) continue;
      if (entity.kind === kind) return entity;
      for (const parent of [...entity.part_of, ...entity.within]) {
        if (!seen.has(parent)) {
          seen.add(parent);
          queue.push(parent);
        }
      }
    }
    return null;
  }

  // Where a rule's issuer belongs on a map: its country (Texas and the Texas DPS count for the United States);
  // failing that its supranational body (the European Commission counts for the EU); failing that itself.
  jurisdictionOf(issuerId) {
    return (
      this.nearestOfKind(issuerId, 'country') ??
      this.nearestOfKind(issuerId, 'supranational') ??
      this.entities.get(issuerId) ?? { id: issuerId, name: issuerId, kind: 'organization' }
    );
  }

  // The countries lying within a supranational body (through within edges: Italy within the EU).
  memberCountries(unionId) {
    return this.entityList.filter((e) => e.kind === 'country' && this.withinChain(e.id).has(unionId));
  }

  withinChain(id) {
    const found = new Set();
    const stack = [id];
    while (stack.length) {
      for (const parent of this.entities.get(stack.pop())?.within ?? []) {
        if (!found.has(parent)) {
          found.add(parent);
          stack.push(parent);
        }
      }
    }
    return found;
  }
}
