// The domain model of DESIGN.md §2, as plain values: what a bundle holds and what the database stores.
//
// A Model may be invalid (dangling references, cycles, ...); Validate() says where. A Snapshot (snapshot.h) is
// only ever built from a valid Model. Lists keep the order they were given in; ids are compared byte-wise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/date.h"

namespace bantrack {

enum class EntityKind : uint8_t {
  kCountry, kSupranational, kState, kProvince, kCity, kGovernment, kAgency, kLegislature, kMilitary,
  kRegulator, kCourt, kOrganization,
};
enum class Instrument : uint8_t { kLaw, kExecutiveOrder, kDirective, kRegulatorOrder, kGuidance, kMemo, kCourtOrder };
enum class Effect : uint8_t { kBan, kRestrict, kExempt };
// The order of Scope is the order in which a verdict reports the scope of a rule that covers a device twice.
enum class Scope : uint8_t { kGovernmentDevices, kWorkDevices, kGovernmentNetworks, kPublic };
enum class RuleStatus : uint8_t { kUnderReview, kAnnounced, kInForce, kSuspended, kLifted };
enum class Platform : uint8_t { kIos, kAndroid, kWeb };

inline constexpr int kScopeCount = 4;
inline constexpr int kPlatformCount = 3;

// The names used in bundles, URLs and verdicts ("government-devices"); Parse* returns nullopt for anything else.
std::string_view Name(EntityKind kind);
std::string_view Name(Instrument instrument);
std::string_view Name(Effect effect);
std::string_view Name(Scope scope);
std::string_view Name(RuleStatus status);
std::string_view Name(Platform platform);
std::optional<EntityKind> ParseEntityKind(std::string_view text);
std::optional<Instrument> ParseInstrument(std::string_view text);
std::optional<Effect> ParseEffect(std::string_view text);
std::optional<Scope> ParseScope(std::string_view text);
std::optional<RuleStatus> ParseRuleStatus(std::string_view text);
std::optional<Platform> ParsePlatform(std::string_view text);

struct Entity {
  std::string id;
  std::string name;
  EntityKind kind = EntityKind::kOrganization;
  std::vector<std::string> part_of;  // organizational parents
  std::vector<std::string> within;   // territorial parents
  bool operator==(const Entity&) const = default;
};

struct Publisher {
  std::string id;
  std::string name;
  std::string country;  // ISO 3166-1 alpha-2, lower case
  std::vector<std::string> owned_by;
  bool operator==(const Publisher&) const = default;
};

struct App {
  std::string id;
  std::string name;
  std::string publisher;
  std::vector<std::string> categories;
  std::vector<std::string> identifiers[kPlatformCount];  // indexed by Platform
  std::string store_urls[2];                             // indexed by Platform::kIos, kAndroid; empty = none
  bool operator==(const App&) const = default;
};

struct TimelineEntry {
  Date date;
  RuleStatus status = RuleStatus::kInForce;
  std::string note;
  bool operator==(const TimelineEntry&) const = default;
};

struct Source {
  std::string url;
  std::string title;
  std::string outlet;                // may be empty
  std::optional<Date> published;
  bool operator==(const Source&) const = default;
};

struct Rule {
  std::string id;
  std::string issuer;
  std::string title;
  Instrument instrument = Instrument::kDirective;
  Effect effect = Effect::kBan;
  std::vector<Scope> scope;
  // App selector: matches when any part matches (see DESIGN.md §2).
  std::vector<std::string> apps;
  std::vector<std::string> publishers;
  std::vector<std::string> categories;
  std::vector<std::string> origin_countries;
  std::vector<std::string> device_tags;
  std::vector<TimelineEntry> timeline;
  std::vector<Source> sources;
  std::string summary;
  bool operator==(const Rule&) const = default;
};

struct Model {
  std::vector<Entity> entities;
  std::vector<Publisher> publishers;
  std::vector<App> apps;
  std::vector<Rule> rules;
  bool operator==(const Model&) const = default;
};

// The timeline entry in force on `date` (the last one dated on or before it); nullptr before the first entry.
const TimelineEntry* EntryAt(const Rule& rule, Date date);

// Sorts every record list by id: the canonical order of exports.
void SortById(Model& model);

// Which list of a Model a record lives in, to name it in errors.
enum class RecordType : uint8_t { kEntity, kPublisher, kApp, kRule };

// Any one record; the variant's alternative order matches RecordType.
using Record = std::variant<Entity, Publisher, App, Rule>;
inline RecordType TypeOf(const Record& record) { return static_cast<RecordType>(record.index()); }
const std::string& IdOf(const Record& record);
std::optional<RecordType> ParseRecordType(std::string_view record_name);  // "entity", "rule", ...
std::string_view ListName(RecordType type);  // "entities", "publishers", "apps", "rules"
std::string_view RecordName(RecordType type);  // "entity", "publisher", "app", "rule"

// One broken invariant of a Model, located at record `index` of list `type`, at `field` inside it
// ("part_of[0]", "timeline[1].date"; empty when the record as a whole is at fault).
struct Violation {
  RecordType type;
  size_t index;
  std::string field;
  std::string message;
  bool operator==(const Violation&) const = default;
};

// Every invariant of the model that a bundle's JSON structure cannot express, all reported at once, in record
// order: ids are slugs and unique per kind; names and titles are non-empty; references resolve; the entity graph
// (part_of + within) and the ownership graph are acyclic (one violation per cycle, naming its members);
// countries are two lower-case letters; categories and tags are slugs; lists repeat nothing; store identifiers
// are well-formed and belong to one app; rules have a non-empty scope, a selector, a timeline with strictly
// ascending dates, and at least one source whose URL is http(s).
std::vector<Violation> Validate(const Model& model);

// "rules[3].timeline[1].date" for a violation, using the model's own indices.
std::string ModelPath(const Violation& violation);

bool IsSlug(std::string_view text);
bool IsCountryCode(std::string_view text);
bool IsHttpUrl(std::string_view text);
// A store identifier as it appears in an app's `identifiers` list for that platform: at most
// kMaxStoreIdentifier bytes.
inline constexpr size_t kMaxStoreIdentifier = 255;
bool IsStoreIdentifier(Platform platform, std::string_view text);

}  // namespace bantrack
