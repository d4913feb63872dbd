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

// How a connection opens its file.
enum class OpenMode {
  kReadWrite,  // creating the file if needed
  // Never writes. A store whose folder cannot be written (a read-only file system, or
  // a WAL store whose -shm file cannot be made) is opened as immutable, which reads
  // drover.db alone (without changes still in its -wal file).
  kReadOnly,
};

// Owns a sqlite3 connection. Its errors name the file ("store /x/.drover/drover.db: ...").
class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Status Open(const std::string& path, OpenMode mode = OpenMode::kReadWrite);
  Status Exec(const std::string& sql);  // statements without results
  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }
  // "store PATH: <SQLite's message>[ (in: <the start of sql>)]", coded by SQLite's error.
  Status Error(const std::string& sql = "") const;

 private:
  Status OpenWith(const std::string& name, int flags);
  sqlite3* db_ = nullptr;
  std::string path_;
};

// SQL for a message: whitespace runs made one space, at most `max` bytes, cut at a word
// boundary with "…" when it is longer (never in the middle of a word).
std::string Excerpt(const std::string& sql, size_t max = 60);

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
  // Valid until the next Step() or Reset().
  std::string_view TextView(int col) const;
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
