// The routing executor: one engine, several executors (steps may run locally or on
// Slurm in the same workflow). See exec/routing.h.
#include <time.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "exec/routing.h"
#include "util/signals.h"

namespace drover {
namespace {

class RoutingExecutor final : public Executor {
 public:
  explicit RoutingExecutor(std::vector<std::unique_ptr<Executor>> execs)
      : execs_(std::move(execs)) {}
  std::string name() const override { return "routing"; }

  Status Submit(const LaunchRequest& req, std::string* handle) override {
    std::vector<std::string> handles;
    Status st = SubmitMany({req}, &handles)[0];
    *handle = handles[0];
    return st;
  }

  std::vector<Status> SubmitMany(const std::vector<LaunchRequest>& reqs,
                                 std::vector<std::string>* handles) override {
    std::vector<Status> out(reqs.size());
    handles->assign(reqs.size(), "");
    std::map<Executor*, std::vector<size_t>> by_exec;
    for (size_t i = 0; i < reqs.size(); ++i) {
      Executor* e = Find(reqs[i].executor);
      if (e == nullptr) {
        out[i] = Status::Invalid("no executor named '" + reqs[i].executor + "'");
        continue;
      }
      by_exec[e].push_back(i);
    }
    for (const auto& [e, idx] : by_exec) {
      // Usually one executor takes the whole batch: no copies then.
      std::vector<LaunchRequest> sub;
      if (idx.size() != reqs.size())
        for (size_t i : idx) sub.push_back(reqs[i]);
      std::vector<std::string> hs;
      std::vector<Status> st = e->SubmitMany(idx.size() == reqs.size() ? reqs : sub, &hs);
      for (size_t k = 0; k < idx.size(); ++k) {
        out[idx[k]] = st[k];
        if (!st[k].ok()) continue;
        (*handles)[idx[k]] = e->name() == "local" ? hs[k] : e->name() + ":" + hs[k];
        owner_[reqs[idx[k]].attempt_id] = e;
      }
    }
    return out;
  }

  AdoptResult Adopt(int64_t attempt_id, const std::string& job_dir, const std::string& handle,
                    Completion* done) override {
    Executor* e = Find("local");
    std::string h = handle;
    size_t colon = handle.find(':');
    if (colon != std::string::npos) {
      e = Find(handle.substr(0, colon));
      h = handle.substr(colon + 1);
    }
    if (e == nullptr) {
      done->attempt_id = attempt_id;
      done->error = "lost: its executor ('" + handle.substr(0, colon) + "') is not in use";
      return AdoptResult::kGone;
    }
    AdoptResult r = e->Adopt(attempt_id, job_dir, h, done);
    if (r == AdoptResult::kRunning) owner_[attempt_id] = e;
    return r;
  }

  // Each executor gets the handles that name it, without the "NAME:" prefix.
  void CancelUnrecorded(const std::vector<std::string>& recorded) override {
    std::map<Executor*, std::vector<std::string>> mine;
    for (auto& e : execs_) mine[e.get()];
    for (const std::string& h : recorded) {
      size_t colon = h.find(':');
      Executor* e = Find(colon == std::string::npos ? "local" : h.substr(0, colon));
      if (e != nullptr) mine[e].push_back(colon == std::string::npos ? h : h.substr(colon + 1));
    }
    for (auto& [e, hs] : mine) e->CancelUnrecorded(hs);
  }

  void Wait(int timeout_ms, std::vector<Completion>* out) override {
    const size_t before = out->size();
    std::vector<Executor*> busy;
    for (auto& e : execs_)
      if (e->running() > 0) busy.push_back(e.get());
    if (busy.size() <= 1) {
      (busy.empty() ? execs_[0].get() : busy[0])->Wait(timeout_ms, out);
    } else {
      // Several at work: take turns, each waiting briefly.
      const int interrupts = InterruptCount();
      double deadline = timeout_ms < 0 ? 1e300 : Now() + timeout_ms / 1000.0;
      while (out->size() == before && InterruptCount() == interrupts) {
        for (size_t k = 0; k + 1 < busy.size(); ++k) busy[k]->Wait(0, out);
        double left = deadline - Now();
        if (left <= 0) break;
        busy.back()->Wait(out->size() > before ? 0 : static_cast<int>(std::min(left, 0.05) * 1000),
                          out);
        if (Now() >= deadline) break;
      }
    }
    for (size_t i = before; i < out->size(); ++i) owner_.erase((*out)[i].attempt_id);
  }

  void Cancel(int64_t attempt_id) override {
    auto it = owner_.find(attempt_id);
    if (it != owner_.end()) it->second->Cancel(attempt_id);
  }
  void KillAll() override {
    for (auto& e : execs_) e->KillAll();
  }
  size_t running() const override {
    size_t n = 0;
    for (const auto& e : execs_) n += e->running();
    return n;
  }
  size_t queued() const override {
    size_t n = 0;
    for (const auto& e : execs_) n += e->queued();
    return n;
  }

 private:
  static double Now() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  }
  Executor* Find(const std::string& name) const {
    for (const auto& e : execs_)
      if (e->name() == name) return e.get();
    return nullptr;
  }

  std::vector<std::unique_ptr<Executor>> execs_;
  std::unordered_map<int64_t, Executor*> owner_;
};

}  // namespace

std::unique_ptr<Executor> NewRoutingExecutor(std::vector<std::unique_ptr<Executor>> executors) {
  return std::make_unique<RoutingExecutor>(std::move(executors));
}

}  // namespace drover
