package agent

import "time"

// SetTimers replaces the runner's timers (debounce windows), so tests can
// fire them when they choose instead of waiting.
func SetTimers(r *Runner, after func(time.Duration, func()) func() bool) { r.after = after }
