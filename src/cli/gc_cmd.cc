// `drover gc`: removes the job folders that no plan of the store reaches any more and
// the ended Slurm arrays' scripts and logs (engine/gc.h says which, exactly).
#include <cstdio>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/run_guard.h"
#include "engine/gc.h"
#include "util/escape.h"

namespace drover::cli {
namespace {

// "1.5 MiB", "12 KiB", "300 bytes".
std::string Bytes(int64_t b) {
  if (b < 1024) return fmt::format("{} bytes", b);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b) / 1024;
  int u = 0;
  for (; v >= 1024 && u < 3; ++u) v /= 1024;
  return fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace

int GcCmd(const GlobalOptions& g, bool dry_run) {
  const std::string root = StoreRoot(g);
  if (!PathExists(root + "/.drover/drover.db"))
    return Fail(Status::Invalid("no drover store in " + root +
                                " (no .drover/drover.db); run gc where you ran drover, or "
                                "name the folder with --store DIR"));
  auto store = OpenSqliteStore(root, dry_run ? StoreAccess::kReadOnly : StoreAccess::kWrite);
  if (!store.ok()) return Fail(store.status());
  auto lock = RunLock::Take(root);  // no run may start a job in a folder being removed
  if (!lock.ok()) return Fail(lock.status());
  auto sum = CollectGarbage(store->get(), GcOptions{dry_run});
  if (!sum.ok()) return Fail(sum.status().With("collecting the job folders no plan reaches"));
  const char* verb = dry_run ? "would remove" : "removed";
  std::printf("drover gc: %s %lld job folder%s (%s) that no plan of the store reaches; kept %lld\n",
              verb, static_cast<long long>(sum->folders), sum->folders == 1 ? "" : "s",
              Bytes(sum->folder_bytes).c_str(), static_cast<long long>(sum->kept));
  if (sum->slurm_files > 0)
    std::printf("drover gc: %s %lld Slurm script and log file%s of ended arrays (%s)\n", verb,
                static_cast<long long>(sum->slurm_files), sum->slurm_files == 1 ? "" : "s",
                Bytes(sum->slurm_bytes).c_str());
  for (const std::string& e : sum->errors)
    std::fprintf(stderr, "drover gc: could not remove %s\n", Escape(e).c_str());
  return sum->errors.empty() ? 0 : 1;
}

}  // namespace drover::cli
