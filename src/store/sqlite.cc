#include "store/sqlite.h"

#include <fmt/format.h>

namespace drover::sql {

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

namespace {

// A file name as a URI (file:/x/y), with the characters that URIs reserve escaped.
std::string FileUri(const std::string& path) {
  std::string out = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') out += fmt::format("%{:02x}", c);
    else out += c;
  }
  return out;
}

Status Coded(int code, const std::string& msg) {
  code &= 0xff;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Status::Busy(msg);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return Status::Corrupt(msg);
  return Status::Io(msg);
}

}  // namespace

Status Db::OpenWith(const std::string& name, int flags) {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
  if (sqlite3_open_v2(name.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
    return Error();
  sqlite3_busy_timeout(db_, 10000);
  return Status::Ok();
}

Status Db::Open(const std::string& path, OpenMode mode) {
  path_ = path;
  if (mode == OpenMode::kReadWrite)
    return OpenWith(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  // Reading a WAL store needs its -shm file, made on first use: where the folder is
  // read-only, the first read fails, and the store is read as immutable instead.
  const char* kProbe = "SELECT count(*) FROM sqlite_master";
  Status st = OpenWith(path, SQLITE_OPEN_READONLY);
  if (st.ok()) st = Exec(kProbe);
  if (st.ok() || st.code() == Code::kCorrupt) return st;
  Status immutable = OpenWith(FileUri(path) + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  if (immutable.ok()) immutable = Exec(kProbe);
  if (immutable.ok()) return immutable;
  path_ = path;
  return st;
}

Status Db::Error(const std::string& sql) const {
  if (!db_) return Status::Io("store " + path_ + ": out of memory");
  return Coded(sqlite3_errcode(db_),
               "store " + path_ + ": " + sqlite3_errmsg(db_) +
                   (sql.empty() ? "" : " (in: " + Excerpt(sql) + ")"));
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return Coded(rc, "store " + path_ + ": " + msg + " (in: " + Excerpt(sql) + ")");
}

std::string Excerpt(const std::string& sql, size_t max) {
  std::string flat;
  for (char c : sql) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space) flat += c;
    else if (!flat.empty() && flat.back() != ' ') flat += ' ';
  }
  if (!flat.empty() && flat.back() == ' ') flat.pop_back();
  if (flat.size() <= max) return flat;
  size_t cut = flat.rfind(' ', max);        // the last word boundary that fits
  if (cut == std::string::npos || cut == 0) cut = flat.find(' ');  // one long first word: whole
  if (cut == std::string::npos) return flat;
  return flat.substr(0, cut) + " \u2026";
}

Stmt::Stmt(const Db& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
      SQLITE_OK)
    status_ = db.Error(sql);
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, const std::string& v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindView(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Stmt::Step(Status* st) {
  if (!status_.ok()) {
    *st = status_;
    return false;
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) *st = db_.Error(sqlite3_sql(stmt_));
  return false;
}

Status Stmt::Run() {
  Status st;
  while (Step(&st)) {
  }
  Reset();
  return st;
}

void Stmt::Reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::Double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::Text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
}
std::string_view Stmt::TextView(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string_view(p, sqlite3_column_bytes(stmt_, col)) : std::string_view();
}
bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

}  // namespace drover::sql
