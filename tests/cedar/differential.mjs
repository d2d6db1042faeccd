// Differential test of the Cedar export (rules/cedar.h, docs/CEDAR.md): bantrack and Cedar must give every
// question of a random corpus the same outcome — banned or restricted ⇔ deny — and a deny's reasons must be the
// rules bantrack names: the decisive rules plus, under a ban, the unlifted restrictions it outranks.
//
//   node differential.mjs --bantrack PATH --generator PATH --work-dir DIR
//                         [--seed N (default $CEDAR_SEED, else 20250131)] [--queries N (default 10000)]
//
// Steps: bantrack-gen writes a corpus and questions; bantrack imports the corpus into a fresh database, `bantrack
// export --format cedar` writes its Cedar export, `bantrack batch` answers every question; then Cedar answers each one. Files stay in
// the work directory for a post-mortem. Exit 0 when all agree, 1 on any disagreement, 2 on a setup failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { CedarSession, questionsOf } from './cedar_session.mjs';

const DEFAULT_SEED = '20250131';
const SHOWN_DISAGREEMENTS = 5;

const { values: options } = parseArgs({
  options: {
    bantrack: { type: 'string' },
    generator: { type: 'string' },
    'work-dir': { type: 'string' },
    seed: { type: 'string', default: process.env.CEDAR_SEED || DEFAULT_SEED },
    queries: { type: 'string', default: '10000' },
  },
});

function setupFailure(message) {
  console.error(`cedar differential: ${message}`);
  process.exit(2);
}

for (const required of ['bantrack', 'generator', 'work-dir']) {
  if (!options[required]) setupFailure(`--${required} is required`);
}
for (const tool of ['bantrack', 'generator']) {
  if (!fs.existsSync(options[tool])) setupFailure(`--${tool} ${options[tool]} does not exist (build it first)`);
}

const work = options['work-dir'];
fs.mkdirSync(work, { recursive: true });
const file = (name) => path.join(work, name);

// Runs a tool; `okStatuses` are the exit codes that are not failures (bantrack batch exits 1 when it flags).
function run(tool, args, okStatuses = [0]) {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (okStatuses.includes(error.status)) return error.stdout;
    setupFailure(`${[tool, ...args].join(' ')} failed (exit ${error.status}):\n${error.stderr}`);
  }
}

const started = Date.now();
console.log(`cedar differential: seed ${options.seed} (rerun with CEDAR_SEED=<n>), work dir ${work}`);

// (a) corpus and questions
run(options.generator, ['--preset', 'small', '--seed', options.seed, '--bundle', file('corpus.json'),
  '--queries', options.queries, '--queries-out', file('queries.json')]);
const corpus = JSON.parse(fs.readFileSync(file('corpus.json'), 'utf8'));
const questions = questionsOf(JSON.parse(fs.readFileSync(file('queries.json'), 'utf8')));

// (b) a fresh database, and its Cedar export
const db = file('corpus.db');
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });
run(options.bantrack, ['--db', db, 'import', '--replace', file('corpus.json')]);
run(options.bantrack, ['--db', db, 'export', '--format', 'cedar', '--out', file('cedar.json')]);
const cedarExport = JSON.parse(fs.readFileSync(file('cedar.json'), 'utf8'));

// Off-by-one errors hide at the dates a rule comes into or goes out of force, which random dates rarely hit: each
// question in two is asked again on such a date (alternately the day itself and the day before).
const edgeDates = [];
for (const rule of corpus.rules ?? []) {
  rule.timeline.forEach((entry, k) => {
    const before = rule.timeline[k - 1]?.status;
    if ((entry.status === 'in-force') !== (before === 'in-force')) edgeDates.push(entry.date);
  });
}
if (edgeDates.length === 0) setupFailure('the corpus has no rule in force on any date');
const dayBefore = (date) => new Date(Date.parse(date) - 864e5).toISOString().slice(0, 10);
const edgeQuestions = questions.filter((_, i) => i % 2 === 0).map((q, i) => {
  const date = edgeDates[(i >> 1) % edgeDates.length];
  return { ...q, as_of: i % 2 ? dayBefore(date) : date };
});
fs.writeFileSync(file('edge-queries.json'), JSON.stringify({ queries: edgeQuestions }));
questions.push(...edgeQuestions);

// (c) bantrack's answers
const answers = ['queries.json', 'edge-queries.json'].flatMap(
  (name) => JSON.parse(run(options.bantrack, ['--db', db, 'batch', file(name)], [0, 1])).results);
if (answers.length !== questions.length) setupFailure(`${questions.length} questions but ${answers.length} answers`);

// The export must be valid Cedar before its answers mean anything.
const session = new CedarSession(cedarExport);
const problems = session.validate();
if (problems.length) {
  console.error(`FAIL: the export does not validate against its schema:\n  ${problems.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}

// Questions may name apps by store identifier; resolve them as bantrack does (docs/BUNDLE.md): exact for ios and
// android, and for web the listed domain or the nearest parent domain listed.
const storeIds = new Map();
for (const app of corpus.apps ?? []) {
  for (const [platform, ids] of Object.entries(app.identifiers ?? {})) {
    for (const id of ids) storeIds.set(`${platform}:${id}`, app.id);
  }
}
function appIdOf(asked) {
  if (!asked.includes(':')) return asked;
  const [platform, identifier] = [asked.slice(0, asked.indexOf(':')), asked.slice(asked.indexOf(':') + 1)];
  if (platform !== 'web') return storeIds.get(asked);
  const labels = identifier.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const found = storeIds.get(`web:${labels.slice(i).join('.')}`);
    if (found) return found;
  }
  return undefined;
}

// (d, e) Cedar's answers, compared
const effectOf = (policyId) => session.effects[policyId];
const sameSet = (a, b) => a.length === b.length && a.every((x) => b.includes(x));
const tally = { checked: 0, unknown: 0, deny: 0, allow: 0, verdicts: {} };
const disagreements = [];
const cedarStarted = process.hrtime.bigint();
questions.forEach((question, i) => {
  const answer = answers[i];
  if (answer.verdict === 'unknown') {
    tally.unknown++;
    return;
  }
  const appId = appIdOf(question.app);
  if (!appId) setupFailure(`question ${i} names ${question.app}, which bantrack knows and this test cannot resolve`);
  const cedarAnswer = session.authorize(session.request(question, appId));
  tally.checked++;
  tally[cedarAnswer.decision]++;
  tally.verdicts[answer.verdict] = (tally.verdicts[answer.verdict] ?? 0) + 1;

  const flagged = answer.verdict === 'banned' || answer.verdict === 'restricted';
  const why = [];
  if (cedarAnswer.errors.length) why.push(`Cedar policies failed to evaluate: ${cedarAnswer.errors.join('; ')}`);
  if ((cedarAnswer.decision === 'deny') !== flagged) why.push('outcome differs');
  if (flagged) {
    const decisiveEffect = answer.verdict === 'banned' ? 'ban' : 'restrict';
    const cedarDecisive = cedarAnswer.reasons.filter((id) => effectOf(id) === decisiveEffect);
    if (!sameSet(cedarDecisive, answer.decisive)) why.push('the deciding rules differ');
  } else if (!sameSet(cedarAnswer.reasons, ['bantrack:default-permit'])) {
    why.push('an allow for another reason than the default permit');
  }
  if (why.length) disagreements.push({ index: i, question, appId, answer, cedar: cedarAnswer, why });
});
const cedarMicros = Number(process.hrtime.bigint() - cedarStarted) / 1000;

const forbids = Object.keys(session.policies).length - 1;
const withUnless = Object.values(session.policies).filter((text) => /\bunless\s*\{/.test(text)).length;
console.log(`corpus: ${corpus.entities?.length ?? 0} entities, ${corpus.publishers?.length ?? 0} publishers, ` +
  `${corpus.apps?.length ?? 0} apps, ${corpus.rules?.length ?? 0} rules -> ${forbids} forbid policies ` +
  `(${withUnless} with exemptions)`);
console.log(`questions: ${questions.length} (${edgeQuestions.length} of them on dates where a rule starts or ` +
  `stops); compared ${tally.checked} (${tally.unknown} name apps not in the catalog); bantrack ` +
  `${JSON.stringify(tally.verdicts)}; Cedar ${tally.deny} deny, ${tally.allow} allow; Cedar ` +
  `${(cedarMicros / Math.max(tally.checked, 1)).toFixed(0)} µs per check; ${(Date.now() - started) / 1000} s in all`);

// A corpus that never denies or never allows, or that the export gives no exemption, would prove little.
const vacuous = [];
if (tally.checked < questions.length / 2) vacuous.push('fewer than half the questions name catalog apps');
if (tally.deny < tally.checked / 100 || tally.allow < tally.checked / 100) vacuous.push('under 1% deny or allow');
if ((corpus.rules ?? []).some((r) => r.effect === 'exempt') && withUnless === 0) {
  vacuous.push('the corpus has exemptions but no forbid policy has an unless clause');
}

// bantrack's explanation of one question, one match a line.
function explain(question) {
  const { device } = question;
  const args = ['--db', db, 'check', '--app', question.app, '--device', device.kind, '--as-of', question.as_of,
    '--json'];
  for (const field of ['owner', 'location', 'network']) if (device[field]) args.push(`--${field}`, device[field]);
  if (device.tags?.length) args.push('--tags', device.tags.join(','));
  const verdict = JSON.parse(run(options.bantrack, args, [0, 1]));
  return verdict.matches.map((m) => `\n    ${m.rule} (${m.effect}, ${m.status}, ${m.role}` +
    `${m.lifted_by ? ` by ${m.lifted_by}` : ''}; ${m.scope} via ${m.device_path.join(' > ')})`).join('') || 'none';
}

if (disagreements.length) {
  const shown = Math.min(SHOWN_DISAGREEMENTS, disagreements.length);
  console.log(`FAIL: ${disagreements.length} of ${tally.checked} questions disagree; the first ${shown}:`);
  for (const d of disagreements.slice(0, SHOWN_DISAGREEMENTS)) {
    console.log(`\n#${d.index}: ${d.why.join('; ')}`);
    console.log(`  question: ${JSON.stringify(d.question)}${d.appId !== d.question.app ? ` (app ${d.appId})` : ''}`);
    console.log(`  bantrack: ${d.answer.verdict}, decisive ${JSON.stringify(d.answer.decisive)}`);
    console.log(`  Cedar:    ${d.cedar.decision}, reasons ${JSON.stringify(d.cedar.reasons)}` +
      (d.cedar.errors.length ? `, errors ${JSON.stringify(d.cedar.errors)}` : ''));
    console.log(`  bantrack's matches: ${explain(d.question)}`);
    for (const id of new Set([...d.answer.decisive, ...d.cedar.reasons])) {
      if (id in session.policies) console.log(`  policy ${session.policies[id].replaceAll('\n', '\n    ')}`);
    }
  }
  console.log(`\nfiles: ${work} (cedar.json, queries.json, corpus.json, corpus.db)`);
  process.exit(1);
}
if (vacuous.length) {
  console.log(`FAIL: the corpus does not exercise the export: ${vacuous.join('; ')}`);
  process.exit(1);
}
console.log(`PASS: bantrack and Cedar agree on all ${tally.checked} questions`);
