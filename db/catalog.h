// The live catalog: the store plus the snapshot every read is answered from.
//
// Reads never wait for writes: snapshot() returns the current immutable snapshot (a shared_ptr copy).
// A write takes the write lock, applies the change to a copy of the current model and compiles that into the
// next snapshot (which validates it), commits the change to SQLite (one transaction, one edit-log entry), and
// swaps the new snapshot in; readers see either the old or the new snapshot, never half a write. A failed write
// changes nothing.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/store.h"
#include "engine/snapshot.h"

namespace bantrack::db {

// Renders a record as JSON text for the edit log (supplied by the caller, which owns the JSON format). Never
// returns an empty string: an empty `before` is what marks a create in the log.
using RecordRenderer = std::function<std::string(const Record&)>;

struct ImportSummary {
  size_t added = 0;     // records of `incoming` whose id was not stored
  size_t replaced = 0;  // records of `incoming` whose id was stored
  size_t removed = 0;   // stored records dropped by a replace-all import
  uint64_t version = 0;
};

class Catalog {
 public:
  // Loads the store into a first snapshot. Stored data that the engine finds invalid (written around the
  // Catalog) is kIo ("the database has 2 problems"), each problem located as `stored rule "x".issuer`.
  static Result<std::unique_ptr<Catalog>> Open(std::unique_ptr<Store> store, RecordRenderer render);

  // The current snapshot; it stays valid and unchanged for as long as the caller holds it. Thread-safe.
  std::shared_ptr<const Snapshot> snapshot() const;

  // Problems that importing `incoming` would meet (engine validation of the merged data: the stored records
  // whose ids `incoming` does not hold, then incoming's records; with replace_all, incoming alone), located in
  // `incoming` ("rules[3].issuer", as ModelPath gives it for `incoming`); problems of stored records it would
  // expose are located as `stored entity "us-tx"` + "." + field. Empty when the import would succeed.
  std::vector<FieldError> CheckImport(const Model& incoming, bool replace_all) const;
  // Merges (or, with replace_all, swaps in) `incoming`. kInvalidData with CheckImport's details when invalid.
  // The edit-log entry (action "import" or "replace") has `after` = {"added":N,"replaced":M,"removed":K}.
  Result<ImportSummary> Import(const Model& incoming, bool replace_all, const std::string& actor,
                               const std::string& reason);

  // Creates a record; kConflict when the id exists (`rule "x" already exists`). Problems are kInvalidData
  // (`rule "x" has 2 problems`), located relative to the record ("scope[0]"; "" for the record as a whole), or
  // as `stored entity "us-tx"` + "." + field for stored records the write would break. Returns the new snapshot.
  // The edit-log entry has before = "" and after = render(record).
  Result<std::shared_ptr<const Snapshot>> Create(const Record& record, const std::string& actor,
                                                 const std::string& reason);
  // Replaces the record with that id; kNotFound when it does not exist (`rule "x" does not exist`); problems
  // as for Create. The edit-log entry has before = render(stored record), after = render(record).
  Result<std::shared_ptr<const Snapshot>> Update(const Record& record, const std::string& actor,
                                                 const std::string& reason);
  // Deletes a record; kNotFound when missing; kConflict naming every record that still refers to it, rules
  // first, then apps, publishers, entities (the order they would have to be deleted in), each by id:
  // `entity "us-tx" is still referred to by rule "tx-ban" (issuer), entity "us-tx-dps" (part_of)`.
  // The edit-log entry has before = render(stored record) and after = "".
  Result<std::shared_ptr<const Snapshot>> Remove(RecordType type, const std::string& id, const std::string& actor,
                                                 const std::string& reason);

  // If another process wrote to the database since the current snapshot, reloads it. Returns whether it did.
  // (Writes do this by themselves: a write that finds the store moved on refreshes and tries once more.)
  Result<bool> Refresh();

  // Direct access for the edit log and tokens; callers hold store_mutex() while they use store(), and never
  // write data through it.
  Store& store() { return *store_; }
  std::mutex& store_mutex() { return write_mutex_; }

 private:
  // A write in two steps. Prepare compiles, from the current snapshot, the snapshot after the write, labelled
  // `next_version` (Snapshot::Build validates it); Commit writes the change to the store, expecting the store
  // at the current snapshot's version.
  using Prepare =
      std::function<Result<std::shared_ptr<const Snapshot>>(const Snapshot& current, const std::string& next_version)>;
  using Commit = std::function<Result<uint64_t>(Store& store, uint64_t expected_version)>;

  Catalog(std::unique_ptr<Store> store, RecordRenderer render, std::shared_ptr<const Snapshot> first);
  // The one write path (see catalog.cc): prepare (and compile), commit, publish; once more after a refresh
  // when the store has moved on.
  Result<std::shared_ptr<const Snapshot>> Write(const Prepare& prepare, const Commit& commit);
  Result<bool> RefreshLocked();                        // Refresh, with write_mutex_ held
  // Makes `next` the current snapshot (with write_mutex_ held); returns the one it replaces.
  std::shared_ptr<const Snapshot> Publish(std::shared_ptr<const Snapshot> next);

  std::unique_ptr<Store> store_;
  RecordRenderer render_;
  std::mutex write_mutex_;  // serializes writes and every use of store_
  // Guards only snapshot_, and only while it is copied or replaced (never during a write), so that a reader
  // never waits for a write. Not std::atomic<std::shared_ptr>: libstdc++ 12's load() releases its internal
  // lock with relaxed ordering, a data race that ThreadSanitizer reports.
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace bantrack::db
