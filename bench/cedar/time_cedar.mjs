// Times Cedar on bantrack's questions: the Cedar export of a corpus (rules/cedar.h, CedarDocument) loaded once, then
// one Cedar authorization per question, in the fastest honest mode cedar-wasm offers (tests/cedar/cedar_session.mjs:
// the policy set parsed once; each call given the device and the entities its answer depends on).
//
//   node bench/cedar/time_cedar.mjs CEDAR_EXPORT.json QUERIES.json [N [TIMED_BODY.json]]
//
// QUERIES.json is a bantrack batch body (bantrack-gen --queries-out); N limits the questions timed to the first N.
// TIMED_BODY.json, when given, receives the questions timed as a batch body, for bantrack to answer the same ones.
// Questions naming apps by store identifier, or apps not in the export, are skipped (counted in "skipped"): Cedar
// knows apps by id only. The first 20 questions are asked once untimed, to warm up. Prints one JSON line:
//   {"engine": "cedar-wasm", "cedar": <version>, "forbid_policies": <ban/restrict rules in force on some date>,
//    "checks": <timed>, "skipped": n, "mean_us": x, "median_us": y, "p99_us": z, "load_ms": t,
//    "full_entities": {"checks", "mean_us", "median_us"}}
// where full_entities times up to 20 questions with every entity of the export passed on each call instead. A check
// takes about 2 ms on bantrack-gen's small preset and 0.4 s on its large one: there, time a few hundred questions.
// Needs the pinned cedar-wasm: npm ci --prefix tests/cedar
import fs from 'node:fs';

let session;
try {
  session = await import('../../tests/cedar/cedar_session.mjs');
} catch (error) {
  console.error(`time_cedar: cannot load cedar-wasm (${error.message}); run: npm ci --prefix tests/cedar`);
  process.exit(2);
}
const { CedarSession, cedar, questionsOf } = session;

const [exportPath, queriesPath, limit, timedBodyPath] = process.argv.slice(2);
if (!exportPath || !queriesPath || (limit !== undefined && !(Number(limit) > 0))) {
  console.error('usage: node bench/cedar/time_cedar.mjs CEDAR_EXPORT.json QUERIES.json [N [TIMED_BODY.json]]');
  process.exit(2);
}

const WARM_UP = 20;
const FULL_ENTITIES_SAMPLE = 20;

const loadStarted = process.hrtime.bigint();
const document = JSON.parse(fs.readFileSync(exportPath, 'utf8'));
const cedarSession = new CedarSession(document);
const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6;

const apps = new Set(document.entities.filter((e) => e.uid.type === 'Bantrack::App').map((e) => e.uid.id));
const asked = questionsOf(JSON.parse(fs.readFileSync(queriesPath, 'utf8')));
const questions = asked.slice(0, limit ? Number(limit) : asked.length).filter((q) => apps.has(q.app));
const skipped = Math.min(asked.length, limit ? Number(limit) : asked.length) - questions.length;
if (questions.length === 0) {
  console.error('time_cedar: no question names an app of the export by id');
  process.exit(2);
}

// Microseconds per check, each timed alone: building the request and Cedar's answer.
function time(qs, options) {
  const micros = new Float64Array(qs.length);
  qs.forEach((q, i) => {
    const started = process.hrtime.bigint();
    cedarSession.authorize(cedarSession.request(q, q.app, options));
    micros[i] = Number(process.hrtime.bigint() - started) / 1000;
  });
  micros.sort();
  const mean = micros.reduce((sum, x) => sum + x, 0) / micros.length;
  const at = (fraction) => micros[Math.min(micros.length - 1, Math.floor(fraction * micros.length))];
  const round = (x) => +x.toFixed(1);
  return { checks: micros.length, mean_us: round(mean), median_us: round(at(0.5)), p99_us: round(at(0.99)) };
}

if (timedBodyPath) {
  const lines = questions.map((q) => JSON.stringify({ device: q.device, app: q.app, as_of: q.as_of }));
  fs.writeFileSync(timedBodyPath, `{"queries": [\n${lines.join(',\n')}\n]}\n`);
}

for (const q of questions.slice(0, WARM_UP)) cedarSession.authorize(cedarSession.request(q, q.app));
const main = time(questions);
const { p99_us: _, ...fullStats } = time(questions.slice(0, FULL_ENTITIES_SAMPLE), { allEntities: true });

console.log(JSON.stringify({
  engine: 'cedar-wasm', cedar: cedar.getCedarVersion(), forbid_policies: cedarSession.ruleCount,
  checks: main.checks, skipped, mean_us: main.mean_us, median_us: main.median_us, p99_us: main.p99_us,
  load_ms: +loadMs.toFixed(1), full_entities: fullStats,
}));
