package heartbeat

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/cron/clock"
)

func TestClassify(t *testing.T) {
	long := strings.Repeat("x", 301)
	tests := []struct {
		reply    string
		ack      int
		wantKind string
		wantText string
	}{
		{"HEARTBEAT_OK", 300, ReplyAck, ""},
		{"  HEARTBEAT_OK\n", 300, ReplyAck, ""},
		{"**HEARTBEAT_OK**", 300, ReplyAck, ""},
		{"`HEARTBEAT_OK`.", 300, ReplyAck, ""},
		{"HEARTBEAT_OK - all quiet, inbox empty.", 300, ReplyAck, ""},
		{"Checked everything. HEARTBEAT_OK", 300, ReplyAck, ""},
		{"NO_REPLY", 300, ReplyAck, ""},
		{"", 300, ReplyEmpty, ""},
		{"   ", 300, ReplyEmpty, ""},
		{"HEARTBEAT_OK " + long, 300, ReplyAlert, long},
		{long + " HEARTBEAT_OK", 300, ReplyAlert, long},
		{"HEARTBEAT_OK short note", 5, ReplyAlert, "short note"},
		{"HEARTBEAT_OK short", 5, ReplyAck, ""},
		{"Your flight leaves at 9.", 300, ReplyAlert, "Your flight leaves at 9."},
		{"I said HEARTBEAT_OK earlier but the server is down.", 300, ReplyAlert, "I said HEARTBEAT_OK earlier but the server is down."},
		{"HEARTBEAT_OKAY then", 300, ReplyAlert, "HEARTBEAT_OKAY then"},
		{"NOT_HEARTBEAT_OK", 300, ReplyAlert, "NOT_HEARTBEAT_OK"},
	}
	for _, tc := range tests {
		kind, text := Classify(tc.reply, tc.ack)
		if kind != tc.wantKind || text != tc.wantText {
			t.Errorf("Classify(%q, %d) = %q, %q; want %q, %q", tc.reply, tc.ack, kind, text, tc.wantKind, tc.wantText)
		}
	}
}

func decodeAgents(t *testing.T, raw string) AgentsConfig {
	t.Helper()
	var c AgentsConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPlans(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		check func(t *testing.T, p []Plan)
		err   string
	}{
		{"no config: the default agent every 30m to the owner", `{}`, func(t *testing.T, p []Plan) {
			if len(p) != 1 || p[0].AgentID != "main" || p[0].Every != 30*time.Minute || p[0].Target != "owner" ||
				p[0].Prompt != DefaultPrompt || p[0].AckMaxChars != 300 || p[0].Timeout != 10*time.Minute {
				t.Fatalf("%+v", p)
			}
		}, ""},
		{"defaults apply to the default agent", `{"defaults":{"heartbeat":{"every":"1h","target":"telegram","to":"123","ackMaxChars":50,"prompt":"Check mail."}},
			"list":[{"id":"home"},{"id":"work","default":true}]}`, func(t *testing.T, p []Plan) {
			if len(p) != 1 || p[0].AgentID != "work" || p[0].Every != time.Hour || p[0].Target != "telegram" || p[0].To != "123" ||
				p[0].AckMaxChars != 50 || p[0].Prompt != "Check mail." || p[0].Timeout != 600*time.Second {
				t.Fatalf("%+v", p)
			}
		}, ""},
		{"first agent when none is default", `{"list":[{"id":"home"},{"id":"work"}]}`, func(t *testing.T, p []Plan) {
			if len(p) != 1 || p[0].AgentID != "home" {
				t.Fatalf("%+v", p)
			}
		}, ""},
		{"heartbeat.agentId picks the owner", `{"defaults":{"heartbeat":{"agentId":"ops"}},"list":[{"id":"main","default":true},{"id":"ops"}]}`, func(t *testing.T, p []Plan) {
			if len(p) != 1 || p[0].AgentID != "ops" {
				t.Fatalf("%+v", p)
			}
		}, ""},
		{"per-agent blocks: only those agents, merged over defaults", `{"defaults":{"heartbeat":{"every":"30m","target":"last","lightContext":true}},
			"list":[{"id":"main","default":true},{"id":"ops","heartbeat":{"every":"1h","target":"whatsapp","to":"+1555","timeoutSeconds":45}}]}`, func(t *testing.T, p []Plan) {
			if len(p) != 1 || p[0].AgentID != "ops" || p[0].Every != time.Hour || p[0].Target != "whatsapp" || p[0].To != "+1555" ||
				p[0].Timeout != 45*time.Second || !p[0].LightContext {
				t.Fatalf("%+v", p)
			}
		}, ""},
		{"entries map", `{"entries":{"b":{"heartbeat":{"every":"2h"}},"a":{"heartbeat":{}}}}`, func(t *testing.T, p []Plan) {
			if len(p) != 2 || p[0].AgentID != "a" || p[0].Every != 30*time.Minute || p[1].AgentID != "b" || p[1].Every != 2*time.Hour {
				t.Fatalf("%+v", p)
			}
		}, ""},
		{"bare number is minutes; 0m disables the cadence", `{"list":[{"id":"a","heartbeat":{"every":"45"}},{"id":"b","heartbeat":{"every":"0m"}}]}`, func(t *testing.T, p []Plan) {
			if p[0].Every != 45*time.Minute || p[1].Every != 0 || p[1].Timeout != 600*time.Second {
				t.Fatalf("%+v", p)
			}
		}, ""},
		{"agent timeout", `{"defaults":{"timeoutSeconds":120}}`, func(t *testing.T, p []Plan) {
			if p[0].Timeout != 2*time.Minute {
				t.Fatalf("%+v", p)
			}
		}, ""},
		{"bad every", `{"defaults":{"heartbeat":{"every":"often"}}}`, nil, "agents.defaults.heartbeat: every"},
		{"combined target", `{"list":[{"id":"a","heartbeat":{"target":"telegram:123"}}]}`, nil, "agents.list[0].heartbeat: target"},
		{"bad direct policy", `{"defaults":{"heartbeat":{"directPolicy":"maybe"}}}`, nil, "directPolicy"},
		{"bad active hours", `{"defaults":{"heartbeat":{"activeHours":{"start":"9am","end":"17:00"}}}}`, nil, "activeHours: start"},
		{"negative ackMaxChars", `{"defaults":{"heartbeat":{"ackMaxChars":-1}}}`, nil, "ackMaxChars"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Plans(decodeAgents(t, tc.raw), time.UTC)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
		})
	}
}

func TestWindow(t *testing.T) {
	if _, err := time.LoadLocation("America/New_York"); err != nil {
		t.Skip(err)
	}
	day := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		a      ActiveHours
		userTZ string
		at     time.Time
		want   bool
	}{
		{"inside", ActiveHours{Start: "09:00", End: "22:00"}, "", day(12, 0), true},
		{"start is inclusive", ActiveHours{Start: "09:00", End: "22:00"}, "", day(9, 0), true},
		{"end is exclusive", ActiveHours{Start: "09:00", End: "22:00"}, "", day(22, 0), false},
		{"before", ActiveHours{Start: "09:00", End: "22:00"}, "", day(8, 59), false},
		{"until midnight", ActiveHours{Start: "08:00", End: "24:00"}, "", day(23, 59), true},
		{"across midnight, late", ActiveHours{Start: "22:00", End: "06:00"}, "", day(23, 0), true},
		{"across midnight, early", ActiveHours{Start: "22:00", End: "06:00"}, "", day(5, 0), true},
		{"across midnight, day", ActiveHours{Start: "22:00", End: "06:00"}, "", day(12, 0), false},
		{"zero width", ActiveHours{Start: "08:00", End: "08:00"}, "", day(8, 0), false},
		{"explicit zone", ActiveHours{Start: "09:00", End: "17:00", Timezone: "America/New_York"}, "", day(15, 0), true},
		{"explicit zone, outside", ActiveHours{Start: "09:00", End: "17:00", Timezone: "America/New_York"}, "", day(12, 0), false},
		{"user zone", ActiveHours{Start: "09:00", End: "17:00"}, "America/New_York", day(12, 0), false},
		{"local ignores the user zone", ActiveHours{Start: "09:00", End: "17:00", Timezone: "local"}, "America/New_York", day(12, 0), true},
		{"bad zone falls back to the user zone", ActiveHours{Start: "09:00", End: "17:00", Timezone: "Nowhere/Land"}, "America/New_York", day(12, 0), false},
	}
	for _, tc := range tests {
		w, err := ParseWindow(tc.a, tc.userTZ, time.UTC)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := w.Contains(tc.at); got != tc.want {
			t.Errorf("%s: Contains(%s) = %v", tc.name, tc.at, got)
		}
	}
	for _, bad := range []ActiveHours{{Start: "24:00", End: "10:00"}, {Start: "9:0", End: "10:00"}, {Start: "09:00", End: "25:00"}, {Start: "", End: "10:00"}} {
		if _, err := ParseWindow(bad, "", time.UTC); err == nil {
			t.Errorf("ParseWindow(%+v) accepted", bad)
		}
	}
}

// fakes

type turnRunner struct {
	mu      sync.Mutex
	turns   []Turn
	reply   string
	err     error
	gate    chan struct{}
	started chan Turn
}

func (r *turnRunner) RunHeartbeat(ctx context.Context, t Turn) (string, error) {
	r.mu.Lock()
	r.turns = append(r.turns, t)
	reply, err, gate := r.reply, r.err, r.gate
	r.mu.Unlock()
	if r.started != nil {
		r.started <- t
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return reply, err
}

func (r *turnRunner) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.turns)
}

type routeDeliverer struct {
	mu        sync.Mutex
	route     Route
	resolveTo error
	targets   []Target
	sent      []string
}

func (d *routeDeliverer) Resolve(_ context.Context, _ string, t Target) (Route, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.targets = append(d.targets, t)
	return d.route, d.resolveTo
}

func (d *routeDeliverer) Deliver(_ context.Context, _ string, _ Route, text string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sent = append(d.sent, text)
	return nil
}

func (d *routeDeliverer) outbox() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string{}, d.sent...)
}

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

type rig struct {
	clock   *clock.Fake
	runner  *turnRunner
	deliver *routeDeliverer
	svc     *Service
	events  chan Event
}

func newRig(t *testing.T, plans []Plan) *rig {
	t.Helper()
	r := &rig{clock: clock.NewFake(t0), runner: &turnRunner{reply: "HEARTBEAT_OK"},
		deliver: &routeDeliverer{route: Route{Channel: "telegram", To: "42"}}, events: make(chan Event, 100)}
	svc, err := New(Options{Plans: plans, Runner: r.runner, Deliverer: r.deliver, Clock: r.clock,
		OnEvent: func(e Event) { r.events <- e }})
	if err != nil {
		t.Fatal(err)
	}
	r.svc = svc
	t.Cleanup(func() { svc.Close(context.Background()) })
	return r
}

func (r *rig) event(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-r.events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no heartbeat event")
	}
	return Event{}
}

func plan(t *testing.T, raw string) []Plan {
	t.Helper()
	p, err := Plans(decodeAgents(t, raw), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHeartbeatOKIsSuppressed(t *testing.T) {
	r := newRig(t, plan(t, `{"defaults":{"heartbeat":{"every":"30m","target":"telegram","to":"42"}}}`))
	r.svc.Start()
	r.clock.Advance(29 * time.Minute)
	if r.runner.count() != 0 {
		t.Fatal("heartbeat before its cadence")
	}
	r.clock.Advance(time.Minute)
	e := r.event(t)
	if e.Status != StatusOKToken || len(r.deliver.outbox()) != 0 {
		t.Fatalf("event %+v, sent %v", e, r.deliver.outbox())
	}
	turn := r.runner.turns[0]
	// The default timeout is the cadence, capped at ten minutes.
	if turn.AgentID != "main" || turn.Prompt != DefaultPrompt || turn.Reason != "interval" || turn.Timeout != 10*time.Minute {
		t.Fatalf("turn %+v", turn)
	}
	if tg := r.deliver.targets[0]; tg != (Target{Channel: "telegram", To: "42"}) {
		t.Fatalf("target %+v", tg)
	}
	if last, ok := r.svc.Last("main"); !ok || last.Status != StatusOKToken {
		t.Fatalf("last %+v", last)
	}
	// The cadence is anchored: next at 12:30 + 30m.
	if next, _ := r.svc.NextAt("main"); !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("next heartbeat %s", next)
	}
}

func TestHeartbeatAlertIsDelivered(t *testing.T) {
	r := newRig(t, plan(t, `{"defaults":{"heartbeat":{"every":"10m"}}}`))
	r.runner.reply = "HEARTBEAT_OK\n" + strings.Repeat("The build is red. ", 20)
	r.svc.Start()
	r.clock.Advance(10 * time.Minute)
	e := r.event(t)
	sent := r.deliver.outbox()
	if e.Status != StatusSent || len(sent) != 1 || strings.Contains(sent[0], Token) || !strings.HasPrefix(sent[0], "The build is red.") {
		t.Fatalf("event %+v, sent %q", e, sent)
	}
	if e.Channel != "telegram" || e.To != "42" || e.Preview == "" {
		t.Fatalf("event %+v", e)
	}
}

func TestHeartbeatSkips(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		setup      func(r *rig)
		wantStatus string
		wantReason string
		wantRuns   int
	}{
		{"no route: the agent does not run", `{}`, func(r *rig) { r.deliver.resolveTo = ErrNoRoute }, StatusSkipped, "no-route", 0},
		{"target none runs without delivering", `{"defaults":{"heartbeat":{"target":"none"}}}`, func(r *rig) { r.runner.reply = "Disk is 95% full." }, StatusSkipped, "target-none", 1},
		{"direct chats blocked", `{"defaults":{"heartbeat":{"directPolicy":"block"}}}`, func(r *rig) {
			r.runner.reply = "Disk is 95% full."
			r.deliver.route.Direct = true
		}, StatusSkipped, "dm-blocked", 1},
		{"outside active hours", `{"defaults":{"heartbeat":{"activeHours":{"start":"08:00","end":"09:00"}}}}`, nil, StatusSkipped, "quiet-hours", 0},
		{"busy agent", `{}`, func(r *rig) { r.runner.err = ErrBusy }, StatusSkipped, "busy", 1},
		{"runner failure", `{}`, func(r *rig) { r.runner.err = errors.New("model down") }, StatusFailed, "model down", 1},
		{"empty reply", `{}`, func(r *rig) { r.runner.reply = "" }, StatusOKEmpty, "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, plan(t, tc.raw))
			if tc.setup != nil {
				tc.setup(r)
			}
			r.svc.Start()
			r.clock.Advance(30 * time.Minute)
			e := r.event(t)
			if e.Status != tc.wantStatus || e.Reason != tc.wantReason {
				t.Fatalf("event %+v, want %s %s", e, tc.wantStatus, tc.wantReason)
			}
			if n := r.runner.count(); n != tc.wantRuns {
				t.Fatalf("%d turns, want %d", n, tc.wantRuns)
			}
			if len(r.deliver.outbox()) != 0 {
				t.Fatalf("delivered %v", r.deliver.outbox())
			}
		})
	}
}

func TestHeartbeatOverlapAndWake(t *testing.T) {
	r := newRig(t, plan(t, `{"list":[{"id":"a","heartbeat":{"every":"10m"}},{"id":"b","heartbeat":{"every":"0m"}}]}`))
	r.runner.gate = make(chan struct{})
	r.runner.started = make(chan Turn, 10)
	r.svc.Start()
	if _, ok := r.svc.NextAt("b"); ok {
		t.Fatal("an agent with every 0m is scheduled")
	}
	r.clock.Advance(10 * time.Minute)
	<-r.runner.started
	r.clock.Advance(10 * time.Minute) // due again while the first is running
	if e := r.event(t); e.Status != StatusSkipped || e.Reason != "already-running" {
		t.Fatalf("overlap event %+v", e)
	}
	if err := r.svc.Wake("a", "exec-done"); err == nil {
		t.Fatal("Wake while running succeeded")
	}
	close(r.runner.gate)
	if e := r.event(t); e.Status != StatusOKToken {
		t.Fatalf("event %+v", e)
	}
	// A wake runs an agent without a cadence, at once.
	if err := r.svc.Wake("b", "exec-done"); err != nil {
		t.Fatal(err)
	}
	<-r.runner.started
	if e := r.event(t); e.AgentID != "b" || e.Status != StatusOKToken {
		t.Fatalf("wake event %+v", e)
	}
	if r.runner.turns[len(r.runner.turns)-1].Reason != "exec-done" {
		t.Fatalf("wake reason %q", r.runner.turns[len(r.runner.turns)-1].Reason)
	}
	if err := r.svc.Wake("nobody", ""); err == nil {
		t.Fatal("Wake of an unknown agent succeeded")
	}
}

func TestHeartbeatReconfigureAndTimers(t *testing.T) {
	r := newRig(t, plan(t, `{"list":[{"id":"a","heartbeat":{"every":"10m"}},{"id":"b","heartbeat":{"every":"20m"}}]}`))
	r.svc.Start()
	if n := r.clock.Pending(); n != 1 {
		t.Fatalf("%d timers for two agents, want 1", n)
	}
	r.clock.Advance(5 * time.Minute)
	r.svc.Reconfigure(plan(t, `{"list":[{"id":"a","heartbeat":{"every":"10m","prompt":"new"}},{"id":"b","heartbeat":{"every":"1h"}}]}`))
	if next, _ := r.svc.NextAt("a"); !next.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("unchanged cadence moved to %s", next)
	}
	if next, _ := r.svc.NextAt("b"); !next.Equal(t0.Add(65 * time.Minute)) {
		t.Fatalf("changed cadence next at %s", next)
	}
	r.clock.Advance(5 * time.Minute)
	r.event(t)
	if p := r.runner.turns[0].Prompt; p != "new" {
		t.Fatalf("reconfigured prompt not used: %q", p)
	}
	r.svc.Reconfigure(nil)
	if _, ok := r.svc.NextAt("a"); ok || r.clock.Pending() != 0 {
		t.Fatal("removed agents are still scheduled")
	}
}
