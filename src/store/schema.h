// Schema migrations of the SQLite store (private to store/).
#pragma once

namespace drover {

int StoreSchemaVersion();
// The SQL that takes the schema from version-1 to version (1-based).
const char* Migration(int version);

}  // namespace drover
