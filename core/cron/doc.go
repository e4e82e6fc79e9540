// Package cron is the gateway's scheduler for stored jobs ("automations"):
// one-shot (at), interval (every) and cron-expression jobs that run an
// agent turn or enqueue a system event, then deliver the result to a chat,
// a webhook or nowhere.
//
// Jobs live in <state>/cron/jobs.json (cron.store overrides the path) and
// each job's run history in <state>/cron/runs/<jobId>.jsonl. The gateway
// and the CLI edit the jobs file under an advisory lock with atomic
// replaces; the gateway watches the file and reschedules when the CLI
// changes it.
//
// The scheduler keeps jobs in a heap ordered by next run and arms a single
// timer for the head, so idle jobs cost no goroutines and no CPU. Runs are
// bounded by cron.maxConcurrentRuns; a slot that comes due while the job's
// previous run is still going is recorded as skipped. Slots missed while
// the gateway was down run once, shortly after start, unless
// cron.skipMissedJobs skips them.
//
// Service's methods mirror the gateway's cron.* methods; Tool is the
// agent's cron tool. What a run does and where its output goes is supplied
// by the gateway through Runner and Deliverer.
package cron
