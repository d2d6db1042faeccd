#include "bench/files.h"

#include <fstream>
#include <sstream>

#include "rules/batch_json.h"
#include "rules/bundle.h"

namespace bantrack::bench {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return Error(ErrorCode::kIo, "cannot write " + path);
  return {};
}

Result<WrittenCorpus> WriteCorpus(const CorpusShape& shape, const std::string& bundle_path, size_t query_count,
                                  const std::string& queries_path) {
  WrittenCorpus written;
  Model model = GenerateCorpus(shape);
  {
    const std::string bundle = rules::WriteBundle(model);
    if (Status saved = WriteFile(bundle_path, bundle); !saved.ok()) return saved.error();
    written.bundle_bytes = bundle.size();
  }
  Result<std::shared_ptr<const Snapshot>> snapshot = Snapshot::Build(std::move(model), "bantrack-gen");
  if (!snapshot.ok()) return Error(ErrorCode::kInternal, "bug: the corpus is invalid: " + snapshot.error().ToString());
  written.snapshot = std::move(snapshot).value();
  if (query_count > 0) {
    written.drawn = DrawQuestions(*written.snapshot, query_count, shape.seed);
    if (Status saved = WriteFile(queries_path, QueriesJson(written.drawn.questions)); !saved.ok()) return saved.error();
  }
  return written;
}

Result<std::vector<Question>> ReadQueries(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.error();
  // Questions without as_of are asked as of today (UTC), as POST /v1/check would ask them.
  Result<std::vector<Question>> questions = ParseQueries(text.value(), rules::UtcToday());
  if (!questions.ok()) return Error(questions.error().code(), path + ": " + questions.error().message());
  if (questions->empty()) return Error(ErrorCode::kInvalidData, path + ": no questions");
  return questions;
}

}  // namespace bantrack::bench
