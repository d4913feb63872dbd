// The Slurm executor's pure parts (argument building, parsing, array bookkeeping) and
// the real command runner. The executor itself is in slurm.cc.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "exec/slurm.h"
#include "util/clock.h"
#include "util/shell.h"

extern char** environ;

namespace drover {
namespace slurm {

std::string TimeLimit(double walltime_s, double grace_s) {
  if (walltime_s <= 0) return "";
  double total = walltime_s + std::max(0.0, grace_s) + 120;
  return std::to_string(static_cast<long long>(std::ceil(total / 60)));
}

std::vector<std::string> SbatchArgs(const LaunchRequest& r, size_t count,
                                    const std::string& log_path) {
  std::vector<std::string> a = {"sbatch", "--parsable", "--job-name=drover-" + r.step,
                                "--output=" + log_path, "--open-mode=append"};
  const SlurmSettings& s = r.slurm;
  if (!s.partition.empty()) a.push_back("--partition=" + s.partition);
  if (!s.account.empty()) a.push_back("--account=" + s.account);
  if (!s.qos.empty()) a.push_back("--qos=" + s.qos);
  const Resources& res = r.resources;
  a.push_back("--cpus-per-task=" +
              std::to_string(std::max(1, static_cast<int>(std::ceil(res.cpus - 1e-9)))));
  if (res.memory_bytes > 0)
    a.push_back("--mem=" + std::to_string((res.memory_bytes + 1048575) / 1048576) + "M");
  if (res.gpus > 0) a.push_back("--gres=gpu:" + std::to_string(res.gpus));
  std::string time = TimeLimit(r.walltime_s, r.grace_s);
  if (!time.empty()) a.push_back("--time=" + time);
  int warn = static_cast<int>(std::min(65000.0, std::ceil(std::max(0.0, r.grace_s)) + 30));
  a.push_back("--signal=B:TERM@" + std::to_string(warn));
  // Always an array, even of one: every handle is then "ARRAY_TASK".
  std::string array = "--array=0-" + std::to_string(count > 0 ? count - 1 : 0);
  if (s.array_throttle > 0 && static_cast<size_t>(s.array_throttle) < count)
    array += fmt::format("%{}", s.array_throttle);
  a.push_back(array);
  for (const std::string& x : s.sbatch_args) a.push_back(x);
  return a;
}

std::string Message(const std::string& err) {
  std::string out;
  size_t start = 0;
  while (start < err.size()) {
    size_t nl = err.find('\n', start);
    std::string line = err.substr(start, nl == std::string::npos ? nl : nl - start);
    start = nl == std::string::npos ? err.size() : nl + 1;
    for (const char* p : {"sbatch: error: ", "squeue: error: ", "scancel: error: ", "error: "})
      if (line.rfind(p, 0) == 0) line = line.substr(std::strlen(p));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    out += (out.empty() ? "" : "; ") + line;
  }
  return out;
}

Result<std::string> ParseSbatch(const CommandOutput& c) {
  std::string out = c.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  size_t semi = out.find(';');
  std::string id = out.substr(0, semi);
  bool digits = !id.empty() && id.find_first_not_of("0123456789") == std::string::npos;
  if (c.exit_code == 0 && digits) return id;
  std::string msg = Message(c.err);
  if (c.exit_code < 0) {  // not started (no Slurm here?), or timed out (a busy controller)
    if (msg.find("could not be started") != std::string::npos)
      return Status::Invalid(msg + "; is Slurm's sbatch installed and on PATH?");
    return Status::Busy(msg);
  }
  if (msg.empty())
    msg = c.exit_code == 0 ? "sbatch printed no job id: '" + out + "'"
                           : "sbatch exited with code " + std::to_string(c.exit_code);
  msg = "Slurm refused the job: " + msg;
  return IsTransient(msg) ? Status::Busy(msg) : Status::Invalid(msg);
}

bool IsTransient(const std::string& message) {
  std::string m = message;
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const char* w : {"timed out", "timeout", "unable to contact", "temporarily", "try again",
                        "connection refused", "zero bytes were transmitted", "rpc rate",
                        "submit limit", "maxsubmit", "too many", "busy"})
    if (m.find(w) != std::string::npos) return true;
  return false;
}

std::unordered_map<std::string, std::string> ParseSqueue(const std::string& out) {
  std::unordered_map<std::string, std::string> states;
  size_t start = 0;
  while (start < out.size()) {
    size_t nl = out.find('\n', start);
    std::string line = out.substr(start, nl == std::string::npos ? nl : nl - start);
    start = nl == std::string::npos ? out.size() : nl + 1;
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    size_t e = line.find_first_of(" \t", b);
    std::string id = line.substr(b, e == std::string::npos ? e : e - b);
    std::string state;
    if (e != std::string::npos) {
      size_t sb = line.find_first_not_of(" \t", e);
      if (sb != std::string::npos) state = line.substr(sb, line.find_first_of(" \t\r", sb) - sb);
    }
    states[id] = state;
  }
  return states;
}

std::string GroupKey(const LaunchRequest& r) {
  const SlurmSettings& s = r.slurm;
  std::string key =
      fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", r.step,
                  r.resources.cpus, r.resources.memory_bytes, r.resources.gpus, r.walltime_s,
                  r.grace_s, s.partition, s.account, s.qos, s.array_throttle, s.sbatch_args.size());
  for (const std::string& a : s.sbatch_args) key += "\x1f" + a;
  return key;
}

std::string ArrayOf(const std::string& job_id) { return job_id.substr(0, job_id.find('_')); }

std::vector<std::string> CancelTargets(const std::map<std::string, std::set<std::string>>& tracked,
                                       const std::set<std::string>& cancel) {
  std::vector<std::string> out;
  std::map<std::string, std::vector<std::string>> by_array;
  for (const std::string& id : cancel) by_array[ArrayOf(id)].push_back(id);
  for (const auto& [array, ids] : by_array) {
    auto t = tracked.find(array);
    bool whole = t != tracked.end() &&
                 std::all_of(t->second.begin(), t->second.end(),
                             [&](const std::string& id) { return cancel.count(id) > 0; });
    if (whole) {
      out.push_back(array);
    } else {
      out.insert(out.end(), ids.begin(), ids.end());
    }
  }
  return out;
}

std::string BatchScript(const std::string& wrapper, const std::string& manifest, double walltime_s,
                        double grace_s) {
  // The attempt and the folder are kept in the positional parameters, which sourcing
  // slurm-env.sh (export lines only) cannot change, whatever the job's variables are named.
  return fmt::format(
      "#!/bin/sh\n"
      "# drover: array task i runs line i+1 of the manifest: ATTEMPT JOBDIR\n"
      "drover_i_=${{SLURM_ARRAY_TASK_ID:-0}}\n"
      "drover_m_={}\n"
      "[ -r \"$drover_m_\" ] || {{ echo \"drover: $drover_m_ is gone: a later drover withdrew this "
      "submission, nothing to run\" >&2; exit 1; }}\n"
      "drover_line_=$(sed -n \"$((drover_i_ + 1))p\" \"$drover_m_\") || exit 1\n"
      "set -- \"${{drover_line_%% *}}\" \"${{drover_line_#* }}\"\n"
      "[ -n \"$drover_line_\" ] && [ \"$2\" != \"$drover_line_\" ] ||\n"
      "  {{ echo \"drover: no job folder for array task $drover_i_\" >&2; exit 1; }}\n"
      ". \"$2/slurm-env.sh\" || exit 1\n"
      "export DROVER_ATTEMPT=\"$1\"\n"
      "exec {} \"$2\" {:.3f} {:.3f}\n",
      ShellQuote(manifest), ShellQuote(wrapper), std::max(0.0, walltime_s), std::max(0.0, grace_s));
}

std::string ManifestLine(int attempt, const std::string& job_dir) {
  return std::to_string(std::max(0, attempt)) + " " + job_dir + "\n";
}

int AttemptOf(const std::vector<std::string>& env) {
  static const std::string kName = "DROVER_ATTEMPT=";
  for (const std::string& e : env) {
    if (e.rfind(kName, 0) != 0) continue;
    std::string v = e.substr(kName.size());
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
      return 0;
    return std::stoi(v);
  }
  return 0;
}

std::vector<QueuedJob> ParseSqueueJobs(const std::string& out) {
  std::vector<QueuedJob> jobs;
  size_t start = 0;
  while (start < out.size()) {
    size_t nl = out.find('\n', start);
    std::string line = out.substr(start, nl == std::string::npos ? nl : nl - start);
    start = nl == std::string::npos ? out.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    size_t a = line.find('|');
    size_t b = a == std::string::npos ? a : line.find('|', a + 1);
    if (b == std::string::npos) continue;  // not ours to parse: a warning, an empty line
    size_t lead = line.find_first_not_of(' ');
    jobs.push_back({line.substr(lead, a - lead), line.substr(a + 1, b - a - 1),
                    line.substr(b + 1)});
  }
  return jobs;
}

std::vector<std::string> StrayArrays(const std::vector<QueuedJob>& jobs,
                                     const std::set<std::string>& recorded,
                                     const std::vector<std::string>& state_dirs) {
  std::set<std::string> out;
  for (const QueuedJob& j : jobs) {
    if (j.name.rfind("drover-", 0) != 0 || j.id.empty()) continue;
    bool ours = std::any_of(state_dirs.begin(), state_dirs.end(), [&](const std::string& d) {
      return !d.empty() && j.command.size() > d.size() + 1 && j.command.rfind(d + "/", 0) == 0 &&
             j.command.find('/', d.size() + 1) == std::string::npos;
    });
    std::string array = ArrayOf(j.id);
    if (ours && !recorded.count(array)) out.insert(array);
  }
  return {out.begin(), out.end()};
}

std::string EnvFile(const std::vector<std::string>& env) {
  std::string out;
  for (const std::string& e : env) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    out += "export " + e.substr(0, eq) + "=" + ShellQuote(e.substr(eq + 1)) + "\n";
  }
  return out;
}

}  // namespace slurm

namespace {

class RealSlurmCommands final : public SlurmCommands {
 public:
  explicit RealSlurmCommands(double timeout_s) : timeout_s_(timeout_s) {}
  CommandOutput Run(const std::vector<std::string>& argv) override;
  void Sleep(double seconds) override {
    timespec ts{static_cast<time_t>(seconds), static_cast<long>(std::fmod(seconds, 1.0) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }

 private:
  double timeout_s_;
};

// Runs argv[0] from PATH with stdin from /dev/null, collecting stdout and stderr.
CommandOutput RealSlurmCommands::Run(const std::vector<std::string>& argv) {
  CommandOutput res;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    res.err = std::string("pipe: ") + strerror(errno);
    return res;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    res.err = std::string("pipe: ") + strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return res;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, deflt;
  sigemptyset(&none);
  sigemptyset(&deflt);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE}) sigaddset(&deflt, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &deflt);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    res.err = argv[0] + " could not be started: " + strerror(rc);
    return res;
  }
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* bufs[2] = {&res.out, &res.err};
  int open_fds = 2;
  double deadline = MonotonicSeconds() + timeout_s_;
  bool timed_out = false;
  while (open_fds > 0) {
    int left_ms = static_cast<int>((deadline - MonotonicSeconds()) * 1000);
    if (left_ms <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, left_ms) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        bufs[i]->append(buf, n);
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    res.err += fmt::format("\n{} timed out after {:.0f}s", argv[0], timeout_s_);
    res.exit_code = -1;
  } else {
    res.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  }
  return res;
}

}  // namespace

std::unique_ptr<SlurmCommands> NewSlurmCommands(double timeout_s) {
  return std::make_unique<RealSlurmCommands>(timeout_s);
}

}  // namespace drover
