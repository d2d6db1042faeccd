// Prepares the requests of bench/http_bench.sh from a query file (bantrack-gen --queries-out) and the server's
// answers to it (that file POSTed to /v1/check once):
//   OUT/get_paths.txt       one GET /v1/check?... path per question whose app the catalog knows (an unknown app
//                           would be a 404, not a verdict)
//   OUT/post_body_<k>.json  BODIES POST /v1/check bodies of exactly PAIRS questions each, taken in turn from the file
//
//   node wrk_inputs.mjs QUERIES ANSWERS OUT PAIRS BODIES
import { readFileSync, writeFileSync } from "node:fs";

const [queriesFile, answersFile, out, pairsText, bodiesText] = process.argv.slice(2);
if (!bodiesText) {
  console.error("usage: node wrk_inputs.mjs QUERIES ANSWERS OUT PAIRS BODIES");
  process.exit(2);
}
// Either form of a POST /v1/check body: {"queries": [...], "as_of"?}, or {"device", "apps", "as_of"?}, one question
// per app. A question without as_of takes the body's, as the server would; with neither, the server's today.
const body = JSON.parse(readFileSync(queriesFile, "utf8"));
const asked = Array.isArray(body.apps) ? body.apps.map((app) => ({ device: body.device, app })) : body.queries;
const queries = asked?.map((q) => (q.as_of || !body.as_of ? q : { ...q, as_of: body.as_of }));
const results = JSON.parse(readFileSync(answersFile, "utf8")).results;
if (!Array.isArray(queries) || queries.length === 0 || results.length !== queries.length) {
  console.error(`wrk_inputs: ${queriesFile} and ${answersFile} do not match (${queries?.length} questions, ` +
                `${results?.length} answers)`);
  process.exit(1);
}

function getPath(question) {
  const params = new URLSearchParams({ app: question.app, device: question.device.kind });
  for (const field of ["owner", "location", "network"]) {
    if (question.device[field]) params.set(field, question.device[field]);
  }
  if (question.device.tags?.length) params.set("tags", question.device.tags.join(","));
  if (question.as_of) params.set("as_of", question.as_of);
  return "/v1/check?" + params.toString();
}

const paths = queries.filter((_, i) => results[i].verdict !== "unknown").map(getPath);
writeFileSync(`${out}/get_paths.txt`, paths.join("\n") + "\n");

const pairs = Number(pairsText);
for (let k = 0; k < Number(bodiesText); ++k) {
  const body = [];
  for (let i = 0; i < pairs; ++i) body.push(queries[(k * pairs + i) % queries.length]);
  writeFileSync(`${out}/post_body_${k}.json`, JSON.stringify({ queries: body }));
}
console.log(`${paths.length} GET paths (${queries.length - paths.length} unknown apps left out), ` +
            `${bodiesText} POST bodies of ${pairs} questions`);
