// Process-wide signal handling for the engine thread, in the style of ninja: SIGINT,
// SIGTERM, SIGHUP and SIGCHLD stay blocked except while an executor waits in ppoll()
// with the mask returned by WaitMask(); their handlers only set flags.
#pragma once

#include <signal.h>

namespace drover {

// Installs the handlers and blocks the signals. Idempotent.
void InstallSignalHandlers();
// The mask to pass to ppoll()/pselect(): the current mask with those signals open.
const sigset_t* WaitMask();
// How many SIGINT/SIGTERM/SIGHUP arrived since start (0: none). The engine stops
// cleanly on the first and kills everything on the second.
int InterruptCount();
// The last interrupting signal (SIGINT, SIGTERM or SIGHUP), 0 if none.
int LastInterruptSignal();
// True once after each SIGCHLD (clears the flag).
bool TakeChildFlag();
// For tests: forget interrupts seen so far.
void ResetInterrupts();

}  // namespace drover
