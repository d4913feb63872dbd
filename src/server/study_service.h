// StudyService: the HPO studies of one store, served to many clients at once
// (`drover serve`'s /api/v1/studies routes; transport-independent: JSON in, an HTTP
// status and JSON out, so it is tested without HTTP).
//
// Each study's StoredStudy stays warm in memory: loaded (its trials replayed into the
// sampler) once, then brought up to date before every use. When no other process has
// committed to the store since (SQLite's data_version), it is used as is; otherwise
// CatchUp reads the trials other processes added, and a study whose finished-trial
// count in the store differs from the warm one's (another process told a trial), or
// whose definition changed, is loaded again. So an ask costs a few queries, not a
// replay of the whole study.
//
// Same rules and transactions as `drover study ...`: every change runs inside the
// store's write transaction (BEGIN IMMEDIATE, which is what serialises this server
// with other processes, waiting up to the store's busy timeout), numbers stay dense
// and unique, a tell is never lost, a finished trial is not told again (409). Inside
// the server one FIFO ticket lock serialises all calls on the store, so that many
// clients get the store in turn, in the order they came: each gets a fair share.
//
// Statuses: 200 (201 for create), 400 bad input (the field is named), 404 unknown
// study or trial, 409 conflict (a finished trial, a workflow's trial, a name taken,
// a grid with no point left), 500 the store failed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "study/stored_study.h"
#include "util/status.h"

namespace drover::server {

// A fair mutex: callers get it in the order they asked (FIFO tickets), so that no
// client of a busy server waits while later ones go first.
class TicketLock {
 public:
  void lock();
  void unlock();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_ = 0, serving_ = 0;
};

// What a service call answers: an HTTP status and a JSON body ({"error": ...} unless 2xx).
struct Reply {
  Reply() = default;
  Reply(int s, nlohmann::json b) : status(s), body(std::move(b)) {}

  int status = 200;
  nlohmann::json body;
  std::string text;  // when not empty, the body as JSON text instead (large answers)

  // The body as JSON, whichever way it is held.
  nlohmann::json Json() const { return text.empty() ? body : nlohmann::json::parse(text); }
};

class StudyService {
 public:
  // The studies of the store under `store_root` (the folder holding .drover/). The store
  // is opened on first use; a missing store has no studies until one is created.
  explicit StudyService(std::string store_root) : root_(std::move(store_root)) {}

  // {"studies": [{"name", "direction", "sampler", "pruner", "created", "origin",
  //   "counts": {"running", "complete", "pruned", "failed"}, "trials"}]}
  Reply List();
  // The study's definition, counts, parameter names and best trial (null when none).
  Reply Get(const std::string& name);
  // {"trials": [...], "total", "offset", "limit"}. Query: state=running|complete|pruned|failed,
  // sort=number|value|state|started|ended|duration|params.NAME, order=asc|desc,
  // offset (default 0), limit (default 100, at most 100000). Unknown keys are 400.
  Reply Trials(const std::string& name, const std::map<std::string, std::string>& query);
  // {"method", "description", "trials" (completed trials used), "params": [{"name",
  //  "importance", "variance_share"}]}, most important first (study/importance.h).
  Reply Importance(const std::string& name);

  // Body: the fields of `drover study create` (study/definition.h). 201 with the study.
  Reply Create(const std::string& body);
  // Body: empty or {}. {"number", "params"}.
  Reply Ask(const std::string& name, const std::string& body);
  // Body: {"value": x} or {"state": "pruned"|"failed"}. {"number", "state", "value"}.
  Reply Tell(const std::string& name, int64_t number, const std::string& body);
  // Body: {"step": s, "value": x}. {"prune": bool}.
  Reply Report(const std::string& name, int64_t number, const std::string& body);

 private:
  struct Warm {
    std::unique_ptr<study::StoredStudy> study;
    int64_t data_version = -1;  // the store's DataVersion when last brought up to date
    // The JSON text of finished trials (which never change) by number, for Trials.
    std::map<int64_t, std::string> finished_json;
  };
  // The store, opened on first use (`create`: make it when missing).
  Result<Store*> Open(bool create);
  // The warm study `name`, up to date with the store (loaded again when others told
  // trials or the definition changed). Call with the lock held.
  Result<study::StoredStudy*> Fresh(const std::string& name);
  // Runs `body` on study `name` inside one write transaction; a failure drops the warm
  // copy (it may hold changes the rollback undid).
  Reply Write(const std::string& name,
              const std::function<Reply(study::StoredStudy&)>& body);

  std::string root_;
  TicketLock lock_;
  std::unique_ptr<Store> store_;
  std::map<std::string, Warm> warm_;
};

// The HTTP status for a Status: kInvalid 400, kNotFound 404, kBusy 503, others 500.
int HttpStatus(const Status& st);

}  // namespace drover::server
