// The store's schema, as an ordered list of migrations. Version N of the schema is
// the result of applying migrations 1..N; PRAGMA user_version records N. Never edit
// a released migration: append a new one.
#include "store/schema.h"

namespace drover {

static const char* const kMigrations[] = {
    // 1: the core engine.
    R"sql(
CREATE TABLE workflows (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  created REAL NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  workflow_id INTEGER NOT NULL REFERENCES workflows(id),
  started REAL NOT NULL,
  ended REAL,
  state TEXT NOT NULL,
  argv TEXT NOT NULL,
  summary TEXT
);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  workflow_id INTEGER NOT NULL REFERENCES workflows(id),
  step TEXT NOT NULL,
  name TEXT NOT NULL,
  params TEXT NOT NULL,
  command TEXT NOT NULL,
  dir TEXT NOT NULL,
  state TEXT NOT NULL,
  run_id INTEGER NOT NULL
);
CREATE INDEX jobs_run ON jobs(run_id, step);
CREATE INDEX jobs_name ON jobs(name);
CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  number INTEGER NOT NULL,
  executor TEXT NOT NULL,
  handle TEXT NOT NULL,
  state TEXT NOT NULL,
  exit_code INTEGER, signal INTEGER,
  started REAL, ended REAL, user_s REAL, sys_s REAL, max_rss_kb INTEGER,
  host TEXT, reason TEXT,
  UNIQUE(job_id, number)
);
CREATE INDEX attempts_state ON attempts(state);
CREATE TABLE metrics (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  attempt_id INTEGER,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  step INTEGER,
  value REAL NOT NULL,
  time REAL
);
CREATE INDEX metrics_job ON metrics(job_id, name);
CREATE TABLE artifacts (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (job_id, path)
);
CREATE INDEX artifacts_path ON artifacts(path);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  time REAL NOT NULL,
  run_id INTEGER,
  job_id INTEGER,
  kind TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX events_job ON events(job_id);
)sql",
    // 2: jobs' key index as a named index (no longer an inline UNIQUE), so that a large
    // batch of new jobs can be inserted without it and the index built once after.
    R"sql(
CREATE TABLE jobs_v2 (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  workflow_id INTEGER NOT NULL REFERENCES workflows(id),
  step TEXT NOT NULL,
  name TEXT NOT NULL,
  params TEXT NOT NULL,
  command TEXT NOT NULL,
  dir TEXT NOT NULL,
  state TEXT NOT NULL,
  run_id INTEGER NOT NULL
);
INSERT INTO jobs_v2 SELECT id, key, workflow_id, step, name, params, command, dir, state, run_id
  FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v2 RENAME TO jobs;
CREATE UNIQUE INDEX jobs_key ON jobs(key);
CREATE INDEX jobs_run ON jobs(run_id, step);
CREATE INDEX jobs_name ON jobs(name);
)sql",
    // 3: HPO studies and their trials. Settings are JSON (see store/study_store.h).
    R"sql(
CREATE TABLE studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  space TEXT NOT NULL,
  sampler TEXT NOT NULL,
  pruner TEXT NOT NULL,
  direction TEXT NOT NULL,
  seed INTEGER NOT NULL,
  created REAL NOT NULL
);
CREATE TABLE trials (
  study_id INTEGER NOT NULL REFERENCES studies(id),
  number INTEGER NOT NULL,
  params TEXT NOT NULL,
  state TEXT NOT NULL,
  value REAL,
  intermediate TEXT NOT NULL,
  rungs TEXT NOT NULL,
  job_id INTEGER,
  attempt_id INTEGER,
  started REAL NOT NULL,
  ended REAL,
  PRIMARY KEY (study_id, number)
);
CREATE INDEX trials_job ON trials(job_id);
)sql",
    // 4: a workflow's study records what it measures (the key of its first trial slot:
    // command, code, environment, inputs), so that a changed objective starts a new study.
    R"sql(
ALTER TABLE studies ADD COLUMN origin TEXT;
)sql",
    // 5: fewer index pages written per job. Only running attempts are looked up by state
    // (adoption after a restart), so the index holds those alone; events are appended and
    // not looked up by job.
    R"sql(
DROP INDEX attempts_state;
CREATE INDEX attempts_running ON attempts(id) WHERE state = 'running';
DROP INDEX events_job;
)sql",
    // 6: what each key was made of (code and input hashes, env, command), recorded once
    // per key when it is planned, so that `drover explain` can say why a job reruns.
    R"sql(
CREATE TABLE key_ingredients (
  job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
  json TEXT NOT NULL
);
)sql",
    // 7: `drover serve`'s access tokens (each stored as a salted SHA-256 of its secret,
    // never the secret), an index for the API's pages of jobs filtered by workflow, step
    // and state, and jobs_run with the state too, so that a run's counts by step and state
    // (drover status, the API's runs) read the index alone.
    R"sql(
CREATE TABLE tokens (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  salt TEXT NOT NULL,
  hash TEXT NOT NULL,
  created REAL NOT NULL,
  last_used REAL
);
CREATE INDEX jobs_filter ON jobs(workflow_id, step, state);
DROP INDEX jobs_run;
CREATE INDEX jobs_run ON jobs(run_id, step, state);
)sql",
    // 8: the plan of each workflow's file as written (every axis value, no --set), recorded
    // at each `drover run` and `drover plan` (rewritten only when its digest changes), so
    // that `drover export` and drover.results() (which reads the store alone) list the
    // same jobs in the same order, pending ones included.
    R"sql(
CREATE TABLE plans (
  workflow_id INTEGER PRIMARY KEY REFERENCES workflows(id),
  digest TEXT NOT NULL,
  recorded REAL NOT NULL
);
CREATE TABLE plan_jobs (
  workflow_id INTEGER NOT NULL REFERENCES workflows(id),
  seq INTEGER NOT NULL,
  step TEXT NOT NULL,
  name TEXT NOT NULL,
  params TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (workflow_id, seq)
) WITHOUT ROWID;
)sql",
};

const std::vector<JobIndex>& JobIndexes() {
  // Exactly the indexes that the migrations leave on `jobs`.
  static const std::vector<JobIndex> kIndexes = {
      {"jobs_key", "CREATE UNIQUE INDEX jobs_key ON jobs(key)"},
      {"jobs_run", "CREATE INDEX jobs_run ON jobs(run_id, step, state)"},
      {"jobs_name", "CREATE INDEX jobs_name ON jobs(name)"},
      {"jobs_filter", "CREATE INDEX jobs_filter ON jobs(workflow_id, step, state)"},
  };
  return kIndexes;
}

int StoreSchemaVersion() { return static_cast<int>(sizeof kMigrations / sizeof *kMigrations); }

const char* Migration(int version) { return kMigrations[version - 1]; }

}  // namespace drover
