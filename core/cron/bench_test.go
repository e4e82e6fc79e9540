//go:build unix

package cron

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
)

// writeJobs stores n idle jobs (none due for at least an hour) under dir.
func writeJobs(tb testing.TB, dir string, n int, now time.Time) {
	tb.Helper()
	p := newScheduleParser(time.UTC)
	f := &jobsFile{Version: storeVersion}
	for i := range n {
		j := &Job{
			ID: fmt.Sprintf("job-%05d", i), Name: fmt.Sprintf("job %d", i), Enabled: true,
			CreatedAtMs: now.UnixMilli(), UpdatedAtMs: now.UnixMilli(),
			SessionTarget: TargetIsolated, WakeMode: "now",
			Payload:  Payload{Kind: PayloadAgentTurn, Message: "Summarize the inbox."},
			Delivery: &Delivery{Mode: DeliverAnnounce, Channel: "telegram", To: "42"},
		}
		switch i % 3 {
		case 0:
			j.Schedule = Schedule{Kind: KindEvery, EveryMs: int64(time.Hour/time.Millisecond) * int64(1+i%24)}
		case 1:
			j.Schedule = Schedule{Kind: KindCron, Expr: fmt.Sprintf("%d %d * * *", i%60, i%24), Tz: "UTC"}
		default:
			j.Schedule = Schedule{Kind: KindCron, Expr: fmt.Sprintf("%d 9 * * 1-5", i%60), Tz: "Europe/Vienna"}
		}
		next, err := p.next(j, now.Add(time.Hour))
		if err != nil {
			tb.Fatal(err)
		}
		j.State.NextRunAtMs = next.UnixMilli()
		f.Jobs = append(f.Jobs, j)
	}
	st := store{path: filepath.Join(dir, "cron", "jobs.json")}
	if _, err := st.write(f); err != nil {
		tb.Fatal(err)
	}
}

type refuseRunner struct{ tb testing.TB }

func (r refuseRunner) RunJob(context.Context, RunRequest) (RunResult, error) {
	r.tb.Error("an idle job ran")
	return RunResult{}, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleScheduler10k measures what 10,000 idle jobs cost a running
// scheduler: process CPU time per second of idling (getrusage, user+sys)
// and the goroutines the scheduler adds. Each iteration idles one second;
// run with -benchtime=3x for three seconds.
func BenchmarkIdleScheduler10k(b *testing.B) {
	dir := b.TempDir()
	writeJobs(b, dir, 10_000, time.Now())
	before := runtime.NumGoroutine()
	s, err := Open(Options{StateDir: dir, Runner: refuseRunner{b}, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	st, _ := s.Status(context.Background())
	if st.EnabledJobs != 10_000 || st.NextWakeAtMs == 0 {
		b.Fatalf("status %+v", st)
	}
	goroutines := runtime.NumGoroutine() - before
	// Return the loading garbage to the OS now, so the runtime's background
	// scavenger does not bill its work to the idle period.
	debug.FreeOSMemory()

	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		time.Sleep(time.Second)
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/idle-s")
	b.ReportMetric(float64(goroutines), "goroutines")
}

// BenchmarkLoad10k is opening a store of 10,000 jobs: read, decode,
// validate and plan.
func BenchmarkLoad10k(b *testing.B) {
	dir := b.TempDir()
	writeJobs(b, dir, 10_000, time.Now())
	b.ResetTimer()
	for range b.N {
		if _, err := Open(Options{StateDir: dir, Location: time.UTC}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite10k is one locked read-modify-write of a 10,000-job store,
// the cost the scheduler pays at the start and at the end of each run.
func BenchmarkWrite10k(b *testing.B) {
	dir := b.TempDir()
	writeJobs(b, dir, 10_000, time.Now())
	s, err := Open(Options{StateDir: dir, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		err := s.update(func() error {
			s.jobs["job-00000"].State.LastRunAtMs = int64(i + 1)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNextRun(b *testing.B) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		s    Schedule
	}{
		{"every", Schedule{Kind: KindEvery, EveryMs: 3_600_000}},
		{"cron", Schedule{Kind: KindCron, Expr: "30 9 * * 1-5", StaggerMs: ptr(int64(0))}},
		{"cron-tz", Schedule{Kind: KindCron, Expr: "30 9 * * 1-5", Tz: "America/New_York"}},
		{"cron-yearly", Schedule{Kind: KindCron, Expr: "0 0 29 2 *", StaggerMs: ptr(int64(0))}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := newScheduleParser(time.UTC)
			j := &Job{ID: "bench", CreatedAtMs: now.UnixMilli(), Schedule: tc.s}
			if _, err := p.next(j, now); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := p.next(j, now.Add(time.Duration(i%1000)*time.Minute)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
