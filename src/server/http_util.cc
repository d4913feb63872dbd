// http_util.h is header-only; this file keeps the library non-empty until the routes land.
#include "server/http_util.h"
