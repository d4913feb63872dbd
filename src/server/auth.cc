// Roles, the role table by method and path, token making and checking.
#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cctype>

namespace drover::server {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

// `n` random bytes from OpenSSL's CSPRNG, in hex.
std::string RandomHex(size_t n) {
  std::string bytes(n, '\0');
  auto* p = reinterpret_cast<unsigned char*>(bytes.data());
  if (RAND_bytes(p, static_cast<int>(n)) != 1) std::abort();  // no entropy: never a weak token
  return Hex(p, n);
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

const char* RoleName(Role r) {
  switch (r) {
    case Role::kRead: return "read";
    case Role::kSubmit: return "submit";
    case Role::kAdmin: return "admin";
    case Role::kNone: break;
  }
  return "none";
}

std::optional<Role> ParseRole(const std::string& s) {
  if (s == "read") return Role::kRead;
  if (s == "submit") return Role::kSubmit;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

Role RequiredRole(const std::string& method, const std::string& path) {
  if (method == "GET" || method == "HEAD") return Role::kRead;
  const bool changes = method == "POST" || method == "PUT" || method == "DELETE";
  if (changes && (path == "/api/v1/studies" || StartsWith(path, "/api/v1/studies/")))
    return Role::kSubmit;
  return Role::kAdmin;  // cancelling runs, tokens, and whatever else changes the store
}

std::string NewToken() { return "drover_" + RandomHex(20); }
std::string NewSalt() { return RandomHex(16); }

std::string HashToken(const std::string& salt, const std::string& token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const std::string data = salt + token;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof digest);
}

TokenRecord MakeTokenRecord(const std::string& name, Role role, const std::string& token,
                            double now) {
  TokenRecord t;
  t.name = name;
  t.role = RoleName(role);
  t.salt = NewSalt();
  t.hash = HashToken(t.salt, token);
  t.created = now;
  return t;
}

std::optional<TokenRecord> FindToken(const std::vector<TokenRecord>& stored,
                                     const std::string& token) {
  std::optional<TokenRecord> found;
  for (const TokenRecord& t : stored) {  // no early exit: the time does not tell which
    const std::string h = HashToken(t.salt, token);
    if (h.size() == t.hash.size() && CRYPTO_memcmp(h.data(), t.hash.data(), h.size()) == 0)
      found = t;
  }
  return found;
}

bool ValidTokenName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace drover::server
