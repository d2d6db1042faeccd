// Fuzz target: the bundle parser and validator (rules::ReadBundle), and the round trip of what it accepts.
//
// Properties checked on every input:
//  - ReadBundle never crashes or throws, and refuses with kInvalidInput (not JSON) or kInvalidData (not a valid
//    bundle), listing at least one located problem;
//  - an accepted model compiles (Snapshot::Build refuses only invalid models);
//  - WriteBundle of it is accepted again, gives the same model (sorted by id), and is a fixed point.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/snapshot.h"
#include "rules/bundle.h"
#include "tests/fuzz/small_snapshot.h"

using namespace bantrack;
using bantrack::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Model> read = rules::ReadBundle(text);
  if (!read.ok()) {
    const ErrorCode code = read.error().code();
    Require(code == ErrorCode::kInvalidInput || code == ErrorCode::kInvalidData, "refusal code is not 4xx");
    Require(!read.error().details().empty(), "a refused bundle names no problem");
    for (const FieldError& problem : read.error().details()) {
      Require(!problem.path.empty() && !problem.message.empty(), "a problem without path or message");
    }
    return 0;
  }
  Model sorted = read.value();
  SortById(sorted);
  Require(Snapshot::Build(read.value(), "fuzz").ok(), "an accepted bundle does not compile");

  const std::string written = rules::WriteBundle(read.value());
  Result<Model> again = rules::ReadBundle(written);
  Require(again.ok(), "WriteBundle of an accepted bundle is refused");
  Require(again.value() == sorted, "the round trip changed the model");
  Require(rules::WriteBundle(again.value()) == written, "WriteBundle is not a fixed point");
  return 0;
}
