// Thin RAII wrappers over the SQLite C API, private to store/.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace drover::sql {

// Owns a sqlite3 connection.
class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Status Open(const std::string& path);
  Status Exec(const std::string& sql);  // statements without results
  sqlite3* get() const { return db_; }
  Status Error(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
};

// A prepared statement; Reset() makes it reusable. Binds are 1-based.
class Stmt {
 public:
  Stmt(const Db& db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  const Status& status() const { return status_; }

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, const std::string& v);
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string(v)); }
  // Binds without copying: `v` must stay unchanged until the statement is reset.
  Stmt& BindView(int i, std::string_view v);
  Stmt& BindNull(int i);
  Stmt& Bind(int i, const std::optional<int64_t>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }

  // Steps once: true when a row is available, false when done; errors go to *st.
  bool Step(Status* st);
  // Runs to completion (for INSERT/UPDATE/DELETE), then resets.
  Status Run();
  void Reset();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;

 private:
  const Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
};

}  // namespace drover::sql

namespace drover {
class StudyStore;
// The SQLite StudyStore over an open connection (which must outlive it).
std::unique_ptr<StudyStore> NewSqliteStudyStore(const sql::Db& db);
}  // namespace drover
