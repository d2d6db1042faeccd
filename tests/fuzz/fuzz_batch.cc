// Fuzz target: the batch-check body of POST /v1/check, answered by rules::AnswerBatch (a streaming reader) from a
// small snapshot, and checked against the same text read as a tree by rules::ParseJson.
//
// Properties checked on every input: nothing crashes or throws; a refused body is kInvalidInput exactly when the
// tree reader finds it is not JSON, else kInvalidData, naming its problem; an accepted body is well-formed JSON to
// the tree reader too, and its answer is well-formed JSON with one result per question, in order, each echoing the
// app asked, with counts that add up.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "rules/batch_json.h"
#include "rules/bundle.h"
#include "tests/fuzz/small_snapshot.h"

using namespace bantrack;
using bantrack::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rules::BatchCounts counts;
  Result<std::string> answers = rules::AnswerBatch(*fuzz::SmallSnapshot(), text, *Date::Parse("2025-02-01"), &counts);
  Result<nlohmann::json> body = rules::ParseJson(text);
  if (!answers.ok()) {
    const ErrorCode code = answers.error().code();
    Require(code == ErrorCode::kInvalidInput || code == ErrorCode::kInvalidData, "a refusal that is not a 4xx");
    Require(!answers.error().details().empty(), "a refused batch names no problem");
    // Text that is not JSON (or nests too deep) is invalid_input whatever else is wrong with it, as for a bundle.
    const bool not_json = !body.ok() && body.error().code() == ErrorCode::kInvalidInput;
    Require((code == ErrorCode::kInvalidInput) == not_json, "the batch and tree readers disagree on whether it is JSON");
    return 0;
  }
  Require(body.ok(), "the batch reader accepted a body that is not JSON");
  const nlohmann::json doc = nlohmann::json::parse(answers.value());  // throws, and so fails, on invalid JSON
  const nlohmann::json& asked = body->contains("apps") ? body->at("apps") : body->at("queries");
  const nlohmann::json& results = doc.at("results");
  Require(results.size() == asked.size(), "not one result per question");
  uint64_t answered = counts.unknown;
  for (uint64_t n : counts.verdicts) answered += n;
  Require(answered == asked.size(), "the counts do not add up to the questions");
  for (size_t i = 0; i < results.size(); ++i) {
    const nlohmann::json& app = asked[i].is_string() ? asked[i] : asked[i].at("app");
    Require(results[i].at("app") == app, "a result is not the answer to its question (order, or the app echoed)");
    Require(results[i].at("verdict").is_string(), "a result without a verdict");
  }
  return 0;
}
