// Schema migrations of the SQLite store (private to store/).
#pragma once

#include <vector>

namespace drover {

// An index on the jobs table: SyncJobs drops and rebuilds them around a large batch
// of new jobs (building an index once is several times cheaper than growing it by
// random inserts of hash keys).
struct JobIndex {
  const char* name;
  const char* create_sql;
};
const std::vector<JobIndex>& JobIndexes();

int StoreSchemaVersion();
// The SQL that takes the schema from version-1 to version (1-based).
const char* Migration(int version);

}  // namespace drover
