// Bundle documents (`bantrack/v1`, docs/BUNDLE.md): JSON text <-> Model, with errors located by JSON path.
//
// JSON exceptions stay inside this library: every function here reports problems as Error/FieldError values.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/model.h"
#include "engine/status.h"

namespace bantrack::rules {

// Parses a bundle's structure: JSON syntax (reported as "$" with line and column, or byte offset), nesting deeper
// than 64 levels (refused before it is built), duplicate keys, the "format" tag, types, required and unknown fields,
// enum names, dates. Never stops at the first problem: every structural problem is listed (each with its JSON path,
// e.g. "rules[3].scope[0]: unknown scope \"goverment-devices\""), and the model is filled with whatever could be
// read; a value that could not be read holds a placeholder that Validate faults only where the problem already is
// (rules/record_json.h), and every record keeps its document index. Semantic checks (references, cycles, slugs,
// ...) are not done here. Each record is read as soon as the parser has it, and its JSON then dropped: memory stays
// near the model's size, whatever the size of the bundle.
struct Parsed {
  Model model;
  std::vector<FieldError> errors;  // empty when the structure is valid
  bool is_json = false;            // the text was well-formed JSON (so the errors concern its content)
};
Parsed ParseBundle(std::string_view json_text);
// The same, reading the text from `in` as it parses: a bundle read from a file is never in memory as text.
Parsed ParseBundle(std::istream& in);

// ParseBundle, then engine Validate() on the model alone; all problems at once, in document order, semantic
// problems under a path that already has a structural problem left out (they would only repeat it).
// Ok only when there is no problem at all. The error has one detail per problem; its code is kInvalidInput when
// the text is not JSON, kInvalidData when the JSON is not a valid bundle.
Result<Model> ReadBundle(std::string_view json_text);
Result<Model> ReadBundle(std::istream& in);  // reading as ParseBundle(std::istream&) does

// Parses any JSON text the way bundles are parsed: nesting deeper than 64 levels and duplicate keys are refused,
// syntax errors are located by line and column (path "$"). kInvalidInput when the text is not well-formed JSON,
// kInvalidData for duplicate keys. For request bodies that are not bundles.
Result<nlohmann::json> ParseJson(std::string_view json_text);

// Folds semantic problems (engine Validate(), located with ModelPath) into structural ones the way ReadBundle does;
// used by importers that validate against stored data. A semantic problem is left out when its path equals or lies
// under the path of a structural problem ("$" holds every path), or when it is about a list one of whose elements has
// a structural problem ("rules[3].scope" when "rules[3].scope[0]" is broken): that list was read incomplete.
// The result is in document order: top-level fields, then entities, publishers, apps and rules, each list before its
// records, records by index; within a record, the structural problems first, each kind in the order found.
std::vector<FieldError> MergeProblems(std::vector<FieldError> structural, std::vector<FieldError> semantic);

// The canonical document (docs/BUNDLE.md, "Canonical form"): records sorted by id, fields in the documented
// order, empty optional fields (and empty top-level lists) left out, 2-space indentation, non-ASCII text as UTF-8,
// trailing newline. For a valid m, ReadBundle(WriteBundle(m)) gives m back (sorted), and WriteBundle of that is
// byte-identical.
std::string WriteBundle(const Model& model);

// One record, as it appears inside a bundle (and as the HTTP API sends and receives it).
nlohmann::json ToJson(const Entity& entity);
nlohmann::json ToJson(const Publisher& publisher);
nlohmann::json ToJson(const App& app);
nlohmann::json ToJson(const Rule& rule);
nlohmann::json ToJson(const Record& record);
std::string RecordJson(const Record& record);  // compact JSON text of ToJson(record), keys in the documented order

// Parses one record of `type` from a JSON value, with the structural checks of ParseBundle; error paths are relative
// to the record ("scope[0]", "timeline[1].date"; "$" for the value itself). The record is returned only when there is
// no problem; the error is kInvalidInput ("2 problems in the rule"). Semantic checks need the rest of the data: run
// Validate on the model the record goes into and merge with MergeProblems.
Result<Record> ParseRecord(RecordType type, const nlohmann::json& value);

}  // namespace bantrack::rules
