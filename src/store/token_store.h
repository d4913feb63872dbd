// `drover serve`'s access tokens in the store (the tokens table): each a name, a role and
// a salted SHA-256 of its secret (server/auth.h makes and checks them; the secret itself
// is never stored). Each call opens its own connection on .drover/drover.db and holds no
// transaction across calls. The store must exist with this build's schema (open it once
// with OpenSqliteStore(root, kWrite) to create and migrate it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace drover {

// One token as stored.
struct TokenRecord {
  std::string name;
  std::string role;       // read | submit | admin
  std::string salt;       // hex
  std::string hash;       // hex SHA-256 of salt and secret
  double created = 0;     // Unix seconds
  double last_used = 0;   // 0: never
};

namespace sql { class Db; }

// Every token, by name. Read-only.
Result<std::vector<TokenRecord>> ListTokens(const std::string& root);
// The same on a connection the caller holds open (the server's readers).
Result<std::vector<TokenRecord>> ReadTokens(sql::Db& db);
// Adds a token. Invalid when one of that name exists.
Status AddToken(const std::string& root, const TokenRecord& t);
// Removes the token `name`; NotFound when there is none.
Status RevokeToken(const std::string& root, const std::string& name);
// Records that token `name` was used at `time` (best effort: a busy store is skipped).
Status TouchToken(const std::string& root, const std::string& name, double time);

}  // namespace drover
