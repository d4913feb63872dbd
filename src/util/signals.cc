// Signal handling in the style of ninja's subprocess-posix.cc: the signals stay
// blocked in the engine thread; ppoll() opens them atomically with WaitMask(), so a
// signal that arrives between two checks is never lost, only delivered at the next
// ppoll(). The handlers only record what arrived.
#include "util/signals.h"

#include <atomic>
#include <cstring>
#include <mutex>

namespace drover {
namespace {

std::atomic<int> g_interrupts{0};
std::atomic<int> g_last_interrupt{0};
std::atomic<bool> g_child{false};
sigset_t g_wait_mask;
std::once_flag g_once;

static_assert(std::atomic<int>::is_always_lock_free, "handlers need lock-free atomics");

void OnInterrupt(int sig) {
  g_last_interrupt.store(sig, std::memory_order_relaxed);
  g_interrupts.fetch_add(1, std::memory_order_relaxed);
}

void OnChild(int) { g_child.store(true, std::memory_order_relaxed); }

void SetHandler(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigfillset(&sa.sa_mask);  // handlers never nest
  sigaction(sig, &sa, nullptr);
}

void Install() {
  sigset_t block;
  sigemptyset(&block);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&block, sig);
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &block, &old);
  g_wait_mask = old;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigdelset(&g_wait_mask, sig);

  for (int sig : {SIGINT, SIGTERM, SIGHUP}) SetHandler(sig, OnInterrupt, 0);
  // A handler (not SIG_DFL, which discards it) so that SIGCHLD interrupts ppoll().
  SetHandler(SIGCHLD, OnChild, SA_NOCLDSTOP);
}

}  // namespace

void InstallSignalHandlers() { std::call_once(g_once, Install); }

const sigset_t* WaitMask() {
  InstallSignalHandlers();
  return &g_wait_mask;
}

int InterruptCount() { return g_interrupts.load(std::memory_order_relaxed); }

int LastInterruptSignal() { return g_last_interrupt.load(std::memory_order_relaxed); }

bool TakeChildFlag() { return g_child.exchange(false, std::memory_order_relaxed); }

void ResetInterrupts() {
  g_interrupts.store(0, std::memory_order_relaxed);
  g_last_interrupt.store(0, std::memory_order_relaxed);
}

}  // namespace drover
