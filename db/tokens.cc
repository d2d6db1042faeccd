// API tokens. A secret is "bt_" + 64 hex digits of OpenSSL randomness; the database keeps only its SHA-256, so a
// copy of the file does not give anyone a usable token. Secrets are never logged or put in an error message.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <array>

#include "db/sqlite.h"
#include "db/store.h"

namespace bantrack::db {
namespace {

constexpr std::array<std::string_view, 3> kRoleNames = {"reader", "editor", "admin"};
constexpr std::string_view kSecretPrefix = "bt_";
constexpr size_t kSecretBytes = 32;

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0xf];
  }
  return hex;
}

Result<std::string> Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    return Error(ErrorCode::kInternal, "OpenSSL could not compute a SHA-256 digest");
  }
  return Hex(digest, size);
}

// The columns ReadToken reads, first in a SELECT.
#define BANTRACK_TOKEN_COLUMNS "id, name, role, created_at, coalesce(revoked_at, '')"
constexpr int kTokenColumnCount = 5;

Status ReadToken(const Statement& row, TokenInfo& token) {
  std::optional<Role> role = ParseRole(row.Text(2));
  if (!role) return Error(ErrorCode::kIo, "corrupt database: unknown role \"" + row.String(2) + "\"");
  token = TokenInfo{row.Int(0), row.String(1), *role, row.String(3), row.String(4)};
  return Status();
}

}  // namespace

std::string_view Name(Role role) { return kRoleNames[static_cast<size_t>(role)]; }

std::optional<Role> ParseRole(std::string_view text) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == text) return static_cast<Role>(i);
  }
  return std::nullopt;
}

Result<std::string> Store::CreateToken(const std::string& name, Role role) {
  if (name.empty()) return Error(ErrorCode::kInvalidInput, "a token needs a name");
  unsigned char random[kSecretBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    return Error(ErrorCode::kInternal, "OpenSSL could not provide random bytes for a token");
  }
  std::string secret = std::string(kSecretPrefix) + Hex(random, sizeof random);
  OPENSSL_cleanse(random, sizeof random);
  Result<std::string> hash = Sha256Hex(secret);
  if (!hash.ok()) return std::move(hash).take_error();
  BANTRACK_RETURN_IF_ERROR(Execute(
      db_, "INSERT INTO tokens (name, role, secret_sha256, created_at) VALUES (?1, ?2, ?3, " BANTRACK_SQL_NOW ")", name,
      Name(role), *hash));
  return secret;
}

Result<std::vector<TokenInfo>> Store::ListTokens() {
  Result<Statement> statement = Statement::Prepare(db_, "SELECT " BANTRACK_TOKEN_COLUMNS " FROM tokens ORDER BY id");
  if (!statement.ok()) return std::move(statement).take_error();
  std::vector<TokenInfo> tokens;
  BANTRACK_RETURN_IF_ERROR(
      ForEachRow(*statement, [&](const Statement& row) -> Status { return ReadToken(row, tokens.emplace_back()); }));
  return tokens;
}

Status Store::RevokeToken(int64_t id) {
  // Revoking twice keeps the first revocation's time.
  BANTRACK_RETURN_IF_ERROR(
      Execute(db_, "UPDATE tokens SET revoked_at = coalesce(revoked_at, " BANTRACK_SQL_NOW ") WHERE id = ?1", id));
  if (sqlite3_changes(db_) == 0) return Error(ErrorCode::kNotFound, "no token has id " + std::to_string(id));
  return Status();
}

Result<TokenInfo> Store::Authenticate(std::string_view secret) {
  Result<std::string> hash = Sha256Hex(secret);
  if (!hash.ok()) return std::move(hash).take_error();
  Result<Statement> statement = Statement::Prepare(
      db_, "SELECT " BANTRACK_TOKEN_COLUMNS ", secret_sha256 FROM tokens WHERE revoked_at IS NULL ORDER BY id");
  if (!statement.ok()) return std::move(statement).take_error();
  // Compare against every valid token, each in constant time, without stopping at a match: how long this takes
  // says nothing about which stored hash matched, or how much of one.
  std::optional<TokenInfo> match;
  BANTRACK_RETURN_IF_ERROR(ForEachRow(*statement, [&](const Statement& row) -> Status {
    const std::string_view stored = row.Text(kTokenColumnCount);
    if (stored.size() != hash->size() || CRYPTO_memcmp(stored.data(), hash->data(), hash->size()) != 0) return Status();
    return ReadToken(row, match.emplace());
  }));
  if (!match) return Error(ErrorCode::kUnauthenticated, "unknown or revoked token");
  return std::move(*match);
}

}  // namespace bantrack::db
