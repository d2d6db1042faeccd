// The benchmarks' files: a corpus and its questions written by bantrack-gen (or bantrack-bench, when it generates),
// read back by bantrack-bench.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "bench/corpus.h"
#include "bench/questions.h"
#include "engine/snapshot.h"
#include "engine/status.h"

namespace bantrack::bench {

Result<std::string> ReadFile(const std::string& path);
Status WriteFile(const std::string& path, const std::string& text);

// Generates the corpus of `shape`, writes it as a bundle to `bundle_path`, compiles it (which validates it: a
// corpus the engine refuses is a generator bug, reported as kInternal), and when query_count > 0 draws that many
// questions (DrawQuestions, with the shape's seed) into `queries_path`.
struct WrittenCorpus {
  std::shared_ptr<const Snapshot> snapshot;
  size_t bundle_bytes = 0;
  DrawnQuestions drawn;
};
Result<WrittenCorpus> WriteCorpus(const CorpusShape& shape, const std::string& bundle_path, size_t query_count,
                                  const std::string& queries_path);

// A query file's questions (ParseQueries: either form of a POST /v1/check body); none is kInvalidData.
Result<std::vector<Question>> ReadQueries(const std::string& path);

}  // namespace bantrack::bench
