// Access to `drover serve`: roles, which role each request needs, and tokens (made here,
// stored hashed by store/token_store.h). A token is "drover_" and 40 random hex digits;
// the store keeps a random salt and SHA-256(salt + token) in hex, and a presented token
// is compared with each stored hash in constant time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/token_store.h"

namespace drover::server {

// What a token may do; each role may do what the ones before it may.
enum class Role { kNone, kRead, kSubmit, kAdmin };

const char* RoleName(Role r);
// "read" | "submit" | "admin"; nullopt for anything else.
std::optional<Role> ParseRole(const std::string& s);

// The role a request needs: GET and HEAD need read; POST, PUT and DELETE under
// /api/v1/studies need submit; cancelling a run, token management and any other
// changing request need admin.
Role RequiredRole(const std::string& method, const std::string& path);

// A new random token (shown once to the user) and a new random salt.
std::string NewToken();
std::string NewSalt();
// Hex SHA-256 of salt and token.
std::string HashToken(const std::string& salt, const std::string& token);
// A stored record for a new token.
TokenRecord MakeTokenRecord(const std::string& name, Role role, const std::string& token,
                            double now);
// The stored token that `token` is, if any (every hash compared in constant time).
std::optional<TokenRecord> FindToken(const std::vector<TokenRecord>& stored,
                                     const std::string& token);

// A token name: 1 to 64 letters, digits, '-', '_' or '.'.
bool ValidTokenName(const std::string& name);

}  // namespace drover::server
