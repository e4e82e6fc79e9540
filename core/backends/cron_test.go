package backends

import (
	"context"
	"errors"
	"testing"

	"github.com/openclaw-go/openclaw/core/cron"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

func TestCronList(t *testing.T) {
	svc, err := cron.Open(cron.Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	off := false
	for _, in := range []cron.AddInput{
		{Name: "daily", DisplayName: "Daily summary", AgentID: "main", Schedule: cron.Schedule{Kind: cron.KindCron, Expr: "0 9 * * *", Tz: "UTC"}, Payload: cron.Payload{Kind: cron.PayloadSystemEvent, Text: "summarise"}},
		{Name: "poll", Schedule: cron.Schedule{Kind: cron.KindEvery, EveryMs: 1_800_000}, Payload: cron.Payload{Kind: cron.PayloadSystemEvent, Text: "poll"}},
		{Name: "paused", Enabled: &off, Schedule: cron.Schedule{Kind: cron.KindEvery, EveryMs: 60_000}, Payload: cron.Payload{Kind: cron.PayloadSystemEvent, Text: "x"}},
	} {
		if _, err := svc.Add(ctx, in); err != nil {
			t.Fatalf("add %s: %v", in.Name, err)
		}
	}
	list := New(Deps{Cron: svc}).Cron
	tests := []struct {
		name  string
		q     backend.CronQuery
		names []string
		total int
		err   error
	}{
		{"enabled", backend.CronQuery{}, []string{"Daily summary", "poll"}, 2, nil},
		{"with disabled", backend.CronQuery{IncludeDisabled: true}, []string{"Daily summary", "poll", "paused"}, 3, nil},
		{"agent", backend.CronQuery{AgentID: "main"}, []string{"Daily summary"}, 1, nil},
		{"query", backend.CronQuery{Query: "POLL"}, []string{"poll"}, 1, nil},
		{"page", backend.CronQuery{IncludeDisabled: true, Limit: 1, Offset: 2}, []string{"paused"}, 3, nil},
		{"limit too big", backend.CronQuery{Limit: 1000}, nil, 0, backend.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := list.List(ctx, tt.q)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			var names []string
			for _, j := range p.Jobs {
				names = append(names, j.Name)
			}
			if len(names) != len(tt.names) || p.Total != tt.total {
				t.Fatalf("jobs = %v (total %d), want %v (total %d)", names, p.Total, tt.names, tt.total)
			}
			got := map[string]bool{}
			for _, n := range names {
				got[n] = true
			}
			for _, n := range tt.names {
				if !got[n] {
					t.Fatalf("jobs = %v, want %v", names, tt.names)
				}
			}
		})
	}
	p, _ := list.List(ctx, backend.CronQuery{AgentID: "main"})
	j := p.Jobs[0]
	if j.Schedule != "cron 0 9 * * * @ UTC" || !j.Enabled || j.AgentID != "main" || j.ID == "" || j.NextRunAt.IsZero() {
		t.Fatalf("job = %+v", j)
	}
}
