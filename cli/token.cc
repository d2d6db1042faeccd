// bantrack token: API tokens for editors. Only SHA-256 hashes are stored; a secret is shown once, at creation.
#include <iomanip>
#include <iostream>

#include "cli/cli.h"

namespace bantrack::cli {
namespace {

int RunCreate(const GlobalOptions& options, const std::string& name, const std::string& role_text) {
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return Fail(catalog.error());
  std::lock_guard lock(catalog.value()->store_mutex());
  auto secret = catalog.value()->store().CreateToken(name, *db::ParseRole(role_text));
  if (!secret.ok()) return Fail(secret.error());
  std::cout << secret.value() << "\n";
  std::cerr << "token for " << name << " (" << role_text << ") created; it is shown only now — store it safely.\n"
            << "use it as: Authorization: Bearer <token>\n";
  return kExitOk;
}

int RunList(const GlobalOptions& options) {
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return Fail(catalog.error());
  std::lock_guard lock(catalog.value()->store_mutex());
  auto tokens = catalog.value()->store().ListTokens();
  if (!tokens.ok()) return Fail(tokens.error());
  std::cout << std::left << std::setw(6) << "id" << std::setw(8) << "role" << std::setw(24) << "created"
            << std::setw(24) << "revoked" << "name\n";
  for (const db::TokenInfo& t : tokens.value()) {
    std::cout << std::setw(6) << t.id << std::setw(8) << db::Name(t.role) << std::setw(24) << t.created_at
              << std::setw(24) << (t.revoked_at.empty() ? "-" : t.revoked_at) << t.name << "\n";
  }
  return kExitOk;
}

int RunRevoke(const GlobalOptions& options, int64_t id) {
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return Fail(catalog.error());
  std::lock_guard lock(catalog.value()->store_mutex());
  Status revoked = catalog.value()->store().RevokeToken(id);
  if (!revoked.ok()) return Fail(revoked.error());
  std::cout << "token " << id << " revoked\n";
  return kExitOk;
}

}  // namespace

void AddTokenCommands(CLI::App& app, GlobalOptions& options, Command& command) {
  auto* token = app.add_subcommand("token", "API tokens for the HTTP API's writes (roles: reader < editor < admin)");
  token->require_subcommand(1);
  {
    auto* create = token->add_subcommand("create", "Create a token and print its secret, once");
    auto name = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    create->add_option("--name", *name, "who the token is for")->required();
    create->add_option("--role", *role, "reader, editor or admin")
        ->required()
        ->check(CLI::IsMember({"reader", "editor", "admin"}));
    create->callback([&options, &command, name, role] {
      command = [&options, name, role] { return RunCreate(options, *name, *role); };
    });
  }
  {
    auto* list = token->add_subcommand("list", "List tokens (never their secrets)");
    list->callback([&options, &command] { command = [&options] { return RunList(options); }; });
  }
  {
    auto* revoke = token->add_subcommand("revoke", "Revoke a token by id");
    auto id = std::make_shared<int64_t>(0);
    revoke->add_option("ID", *id, "token id, from `bantrack token list`")->required();
    revoke->callback([&options, &command, id] { command = [&options, id] { return RunRevoke(options, *id); }; });
  }
}

}  // namespace bantrack::cli
