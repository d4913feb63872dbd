// The commands that get results out of the store: metrics (one job's series) and export
// (a long table of jobs for pandas, R or a spreadsheet).
#include <cstdio>

#include "cli/commands.h"
#include "report/export.h"
#include "store/store.h"
#include "util/escape.h"

namespace drover::cli {

int MetricsCmd(const GlobalOptions& g, const std::string& ref, const std::string& workflow,
               const std::string& name, const std::string& format) {
  if (format != "text" && format != "csv" && format != "jsonl")
    return Fail(Status::Invalid("--format must be text, csv or jsonl, not '" + format + "'"));
  std::unique_ptr<Store> store;
  JobRow job;
  Status st = FindJobRef(g, ref, workflow, &store, &job);
  if (!st.ok()) return Fail(st);
  auto all = store->Metrics(job.id);
  if (!all.ok()) return Fail(all.status());
  std::vector<MetricRecord> series;
  for (const MetricRecord& m : *all)
    if (name.empty() || m.name == name) series.push_back(m);
  if (series.empty()) {
    std::string logged;  // the names it did log, to pick from
    for (const MetricRecord& m : *all)
      if (logged.find(" " + m.name + ",") == std::string::npos) logged += " " + m.name + ",";
    if (!logged.empty()) logged = " (it logged" + logged.substr(0, logged.size() - 1) + ")";
    std::fprintf(stderr, "drover: job %s logged no metric%s%s\n", Escape(job.rec.name).c_str(),
                 name.empty() ? "" : (" named '" + Escape(name) + "'").c_str(),
                 Escape(logged).c_str());
    return 1;
  }
  auto text = RenderMetricSeries(series, format);
  if (!text.ok()) return Fail(text.status());
  std::fputs(format == "text" ? EscapeKeepLines(*text).c_str() : text->c_str(), stdout);
  return 0;
}

}  // namespace drover::cli
