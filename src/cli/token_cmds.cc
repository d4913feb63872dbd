// `drover token create|list|revoke`: the access tokens of `drover serve` (server/auth.h).
#include <time.h>

#include <cstdio>

#include "cli/commands.h"
#include "server/auth.h"
#include "store/store.h"
#include "store/token_store.h"
#include "util/clock.h"
#include "util/escape.h"

namespace drover::cli {
namespace {

// The store under the root, created or migrated (tokens live in it).
Status OpenForTokens(const GlobalOptions& g, std::string* root) {
  *root = StoreRoot(g);
  auto store = OpenSqliteStore(*root, StoreAccess::kWrite);
  return store.ok() ? Status::Ok() : store.status();
}

// "2026-12-03 14:58" in local time; "-" for 0.
std::string When(double t) {
  if (t <= 0) return "-";
  time_t s = static_cast<time_t>(t);
  struct tm tm {};
  localtime_r(&s, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

}  // namespace

int TokenCreate(const GlobalOptions& g, const std::string& name, const std::string& role) {
  if (!server::ValidTokenName(name))
    return Fail(Status::Invalid("token name '" + Escape(name) + "': use 1 to 64 letters, "
                                "digits, '-', '_' or '.'"));
  auto r = server::ParseRole(role);
  if (!r) return Fail(Status::Invalid("--role " + Escape(role) + ": use read, submit or admin"));
  std::string root;
  if (Status st = OpenForTokens(g, &root); !st.ok()) return Fail(st);
  const std::string token = server::NewToken();
  if (Status st = AddToken(root, server::MakeTokenRecord(name, *r, token, NowSeconds())); !st.ok())
    return Fail(st);
  std::printf("%s\n", token.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "drover: token '%s' (role %s) made; it is shown only now: keep it "
               "(the store keeps only its hash)\n", name.c_str(), role.c_str());
  return 0;
}

int TokenList(const GlobalOptions& g) {
  std::string root;
  if (Status st = OpenForTokens(g, &root); !st.ok()) return Fail(st);
  auto tokens = ListTokens(root);
  if (!tokens.ok()) return Fail(tokens.status());
  std::printf("%-24s %-7s %-16s %s\n", "name", "role", "created", "last used");
  for (const TokenRecord& t : *tokens)
    std::printf("%-24s %-7s %-16s %s\n", t.name.c_str(), t.role.c_str(), When(t.created).c_str(),
                When(t.last_used).c_str());
  return 0;
}

int TokenRevoke(const GlobalOptions& g, const std::string& name) {
  std::string root;
  if (Status st = OpenForTokens(g, &root); !st.ok()) return Fail(st);
  if (Status st = RevokeToken(root, name); !st.ok()) return Fail(st);
  std::printf("drover: token '%s' revoked\n", Escape(name).c_str());
  return 0;
}

}  // namespace drover::cli
