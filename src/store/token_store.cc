// The tokens table: list, add, revoke, touch.
#include "store/token_store.h"

#include "store/sqlite.h"
#include "util/fs.h"

namespace drover {
namespace {

// Opens drover.db under `root`; NotFound when there is no store.
Status OpenDb(const std::string& root, sql::OpenMode mode, sql::Db* db) {
  const std::string path = root + "/.drover/drover.db";
  if (!PathExists(path))
    return Status::NotFound("no drover store in " + root + ": run `drover run` there first, "
                            "or pass --store DIR");
  DROVER_RETURN_IF_ERROR(db->Open(path, mode));
  return db->Exec("PRAGMA busy_timeout=5000");
}

}  // namespace

Result<std::vector<TokenRecord>> ListTokens(const std::string& root) {
  sql::Db db;
  DROVER_RETURN_IF_ERROR(OpenDb(root, sql::OpenMode::kReadOnly, &db));
  return ReadTokens(db);
}

Result<std::vector<TokenRecord>> ReadTokens(sql::Db& db) {
  sql::Stmt s(db, "SELECT name, role, salt, hash, created, coalesce(last_used,0) FROM tokens "
                  "ORDER BY name");
  DROVER_RETURN_IF_ERROR(s.status());
  std::vector<TokenRecord> out;
  Status st;
  while (s.Step(&st))
    out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Double(4), s.Double(5)});
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Status AddToken(const std::string& root, const TokenRecord& t) {
  sql::Db db;
  DROVER_RETURN_IF_ERROR(OpenDb(root, sql::OpenMode::kReadWrite, &db));
  sql::Stmt s(db, "INSERT INTO tokens(name, role, salt, hash, created) VALUES(?,?,?,?,?) "
                  "ON CONFLICT(name) DO NOTHING");
  DROVER_RETURN_IF_ERROR(s.status());
  s.Bind(1, t.name).Bind(2, t.role).Bind(3, t.salt).Bind(4, t.hash).Bind(5, t.created);
  DROVER_RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db.get()) == 0)
    return Status::Invalid("a token named '" + t.name +
                           "' exists: pick another name, or `drover token revoke " + t.name +
                           "` first");
  return Status::Ok();
}

Status RevokeToken(const std::string& root, const std::string& name) {
  sql::Db db;
  DROVER_RETURN_IF_ERROR(OpenDb(root, sql::OpenMode::kReadWrite, &db));
  sql::Stmt s(db, "DELETE FROM tokens WHERE name=?");
  DROVER_RETURN_IF_ERROR(s.status());
  DROVER_RETURN_IF_ERROR(s.Bind(1, name).Run());
  if (sqlite3_changes(db.get()) == 0)
    return Status::NotFound("no token named '" + name + "' (`drover token list` shows them)");
  return Status::Ok();
}

Status TouchToken(const std::string& root, const std::string& name, double time) {
  sql::Db db;
  DROVER_RETURN_IF_ERROR(OpenDb(root, sql::OpenMode::kReadWrite, &db));
  DROVER_RETURN_IF_ERROR(db.Exec("PRAGMA busy_timeout=200"));
  sql::Stmt s(db, "UPDATE tokens SET last_used=? WHERE name=?");
  DROVER_RETURN_IF_ERROR(s.status());
  return s.Bind(1, time).Bind(2, name).Run();
}

}  // namespace drover
