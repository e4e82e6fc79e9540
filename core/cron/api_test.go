package cron

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAddValidation(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name string
		in   AddInput
		want string
	}{
		{"no name", AddInput{Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}}, "name: required"},
		{"no payload", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}}, "payload.kind: required"},
		{"empty message", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, Payload: Payload{Kind: PayloadAgentTurn}}, "payload.message"},
		{"system event outside main", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, SessionTarget: "isolated", Payload: Payload{Kind: PayloadSystemEvent, Text: "x"}}, "sessionTarget must be main"},
		{"agent turn in main", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, SessionTarget: "main", Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}}, "systemEvent payload"},
		{"command payload", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, Payload: Payload{Kind: "command"}}, "not supported"},
		{"bad session target", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, SessionTarget: "session:", Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}}, "sessionTarget"},
		{"bad wake mode", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, WakeMode: "later", Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}}, "wakeMode"},
		{"announce from main", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, Payload: Payload{Kind: PayloadSystemEvent, Text: "x"}, Delivery: &Delivery{Mode: DeliverAnnounce}}, "delivery.mode"},
		{"webhook without url", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}, Delivery: &Delivery{Mode: DeliverWebhook}}, "delivery.to"},
		{"webhook with credentials", AddInput{Name: "x", Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}, Delivery: &Delivery{Mode: DeliverWebhook, To: "https://u:p@example.com/h"}}, "credentials"},
		{"past one-shot", at(t0.Add(-time.Hour), "x"), "in the past"},
		{"bad cron", AddInput{Name: "x", Schedule: Schedule{Kind: KindCron, Expr: "nope"}, Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}}, "schedule.expr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.Add(context.Background(), tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if list, _ := h.svc.List(context.Background(), ListQuery{IncludeDisabled: true}); list.Total != 0 {
		t.Fatalf("rejected jobs were stored: %d", list.Total)
	}
}

func TestAddDefaults(t *testing.T) {
	h := newHarness(t, nil)
	j := h.add(AddInput{Name: "x", Schedule: Schedule{Kind: KindAt, At: "20m"}, Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}})
	if j.SessionTarget != TargetIsolated || j.WakeMode != "now" || !j.Enabled || !j.DeleteAfterRun ||
		j.Delivery == nil || j.Delivery.Mode != DeliverAnnounce || j.Schedule.At != "2026-03-02T08:20:00.000Z" ||
		j.State.NextRunAtMs != t0.Add(20*time.Minute).UnixMilli() || j.Status != "idle" {
		t.Fatalf("defaults %+v", j)
	}
	if len(j.ID) != 36 {
		t.Fatalf("id %q is not a UUID", j.ID)
	}
	off := h.add(AddInput{Name: "off", Enabled: ptr(false), Schedule: Schedule{Kind: KindEvery, EveryMs: 60_000}, Payload: Payload{Kind: PayloadAgentTurn, Message: "x"}})
	if off.Enabled || off.State.NextRunAtMs != 0 || off.DeleteAfterRun || off.Status != "disabled" {
		t.Fatalf("disabled job %+v", off)
	}
}

func TestUpdatePatch(t *testing.T) {
	h := newHarness(t, nil)
	base := AddInput{Name: "brief", AgentID: "ops", Schedule: Schedule{Kind: KindEvery, EveryMs: 3_600_000},
		Payload:  Payload{Kind: PayloadAgentTurn, Message: "Summarize.", Model: "openai/gpt-5", Thinking: "high"},
		Delivery: &Delivery{Mode: DeliverAnnounce, Channel: "slack", To: "channel:C1"}}
	tests := []struct {
		name  string
		patch string
		check func(t *testing.T, j JobView)
		err   string
	}{
		{"rename", `{"name":"daily brief","description":"d"}`, func(t *testing.T, j JobView) {
			if j.Name != "daily brief" || j.Description != "d" || j.Payload.Message != "Summarize." {
				t.Fatalf("%+v", j)
			}
		}, ""},
		{"payload fields merge", `{"payload":{"message":"New prompt.","model":null}}`, func(t *testing.T, j JobView) {
			if j.Payload.Message != "New prompt." || j.Payload.Model != "" || j.Payload.Thinking != "high" || j.Payload.Kind != PayloadAgentTurn {
				t.Fatalf("payload %+v", j.Payload)
			}
		}, ""},
		{"delivery merge", `{"delivery":{"to":"channel:C2"}}`, func(t *testing.T, j JobView) {
			if j.Delivery.To != "channel:C2" || j.Delivery.Channel != "slack" || j.Delivery.Mode != DeliverAnnounce {
				t.Fatalf("delivery %+v", j.Delivery)
			}
		}, ""},
		{"delivery null", `{"delivery":null}`, func(t *testing.T, j JobView) {
			if j.Delivery != nil {
				t.Fatalf("delivery %+v", j.Delivery)
			}
		}, ""},
		{"clear agent", `{"agentId":null}`, func(t *testing.T, j JobView) {
			if j.AgentID != "" {
				t.Fatalf("agent %q", j.AgentID)
			}
		}, ""},
		{"schedule replaced and replanned", `{"schedule":{"kind":"cron","expr":"30 9 * * *","tz":"UTC","staggerMs":0}}`, func(t *testing.T, j JobView) {
			if j.Schedule.Kind != KindCron || j.Schedule.EveryMs != 0 || j.State.NextRunAtMs != time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC).UnixMilli() {
				t.Fatalf("schedule %+v next %d", j.Schedule, j.State.NextRunAtMs)
			}
		}, ""},
		{"new payload kind replaces", `{"payload":{"kind":"systemEvent","text":"Ping."},"sessionTarget":"main","delivery":null}`, func(t *testing.T, j JobView) {
			if j.Payload.Kind != PayloadSystemEvent || j.Payload.Text != "Ping." || j.Payload.Model != "" || j.Payload.Message != "" {
				t.Fatalf("payload %+v", j.Payload)
			}
		}, ""},
		{"disable", `{"enabled":false}`, func(t *testing.T, j JobView) {
			if j.Enabled || j.Status != "disabled" {
				t.Fatalf("%+v", j)
			}
		}, ""},
		{"invalid result rejected", `{"sessionTarget":"main"}`, nil, "systemEvent payload"},
		{"unknown field", `{"owner":{"agentId":"x"}}`, nil, "owner cannot be changed"},
		{"unknown payload field", `{"payload":{"script":"x"}}`, nil, "unknown field"},
		{"null name", `{"name":null}`, nil, "cannot be null"},
		{"not an object", `[1]`, nil, "JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := h.add(base)
			got, err := h.svc.Update(context.Background(), j.ID, []byte(tc.patch))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				// A rejected patch changes nothing.
				if after := h.get(j.ID); after.UpdatedAtMs != j.UpdatedAtMs || after.Name != j.Name {
					t.Fatalf("rejected patch changed the job")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
			if stored := h.get(j.ID); stored.Name != got.Name || stored.Payload.Message != got.Payload.Message {
				t.Fatalf("stored job differs from the returned one")
			}
		})
	}
	if _, err := h.svc.Update(context.Background(), "missing", []byte(`{"name":"x"}`)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a missing job: %v", err)
	}
}

func TestRemove(t *testing.T) {
	h := newHarness(t, nil)
	j := h.add(every(time.Hour, "x"))
	res, err := h.svc.Remove(context.Background(), j.ID)
	if err != nil || !res.Removed {
		t.Fatalf("remove: %+v %v", res, err)
	}
	if _, err := h.svc.Remove(context.Background(), j.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	h := newHarness(t, nil)
	for i, name := range []string{"charlie", "alpha", "bravo", "delta"} {
		in := every(time.Duration(4-i)*time.Hour, name)
		in.AgentID = map[bool]string{true: "ops", false: "main"}[i%2 == 0]
		if name == "delta" {
			in.Enabled = ptr(false)
		}
		h.add(in)
	}
	ctx := context.Background()
	res, _ := h.svc.List(ctx, ListQuery{})
	if res.Total != 3 {
		t.Fatalf("default list shows %d jobs, want the 3 enabled", res.Total)
	}
	// Sorted by next run: bravo (2h), alpha (3h), charlie (4h).
	if names := jobNames(res.Jobs); names != "bravo,alpha,charlie" {
		t.Fatalf("order %s", names)
	}
	all, _ := h.svc.List(ctx, ListQuery{IncludeDisabled: true, SortBy: "name"})
	if names := jobNames(all.Jobs); names != "alpha,bravo,charlie,delta" {
		t.Fatalf("by name %s", names)
	}
	off, _ := h.svc.List(ctx, ListQuery{Enabled: "disabled"})
	if names := jobNames(off.Jobs); names != "delta" {
		t.Fatalf("disabled %s", names)
	}
	ops, _ := h.svc.List(ctx, ListQuery{AgentID: "OPS", IncludeDisabled: true})
	if names := jobNames(ops.Jobs); names != "bravo,charlie" {
		t.Fatalf("agent filter %s", names)
	}
	q, _ := h.svc.List(ctx, ListQuery{Query: "ALPH"})
	if names := jobNames(q.Jobs); names != "alpha" {
		t.Fatalf("query %s", names)
	}
	page, _ := h.svc.List(ctx, ListQuery{Limit: 2, Offset: 1})
	if names := jobNames(page.Jobs); names != "alpha,charlie" || page.HasMore || page.Total != 3 {
		t.Fatalf("page %s %+v", names, page.Page)
	}
	if _, err := h.svc.List(ctx, ListQuery{Limit: 500}); err == nil {
		t.Fatal("limit 500 accepted")
	}
}

func jobNames(jobs []JobView) string {
	var n []string
	for _, j := range jobs {
		n = append(n, j.Name)
	}
	return strings.Join(n, ",")
}

func TestDecodeParams(t *testing.T) {
	var q ListQuery
	if err := Decode([]byte(`{"includeDisabled":true,"limit":5}`), &q); err != nil || !q.IncludeDisabled || q.Limit != 5 {
		t.Fatalf("decode: %+v %v", q, err)
	}
	if err := Decode([]byte(`{"includeDisabld":true}`), &q); err == nil || !strings.Contains(err.Error(), "includeDisabld") {
		t.Fatalf("unknown field: %v", err)
	}
	var in AddInput
	err := Decode([]byte(`{"name":"x","schedule":{"kind":"every","everyMs":60000},"payload":{"kind":"agentTurn","message":"hi"},"delivery":{"mode":"announce","threadId":42}}`), &in)
	if err != nil || in.Delivery.ThreadID != "42" {
		t.Fatalf("numeric threadId: %+v %v", in.Delivery, err)
	}
	var p RunParams
	if err := Decode(nil, &p); err != nil {
		t.Fatalf("empty params: %v", err)
	}
	if _, err := p.Ref(); err == nil {
		t.Fatal("Ref without an id")
	}
}

func TestHandleRPC(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	ctx := context.Background()
	call := func(method, params string) any {
		t.Helper()
		out, err := h.svc.HandleRPC(ctx, method, []byte(params))
		if err != nil {
			t.Fatalf("%s %s: %v", method, params, err)
		}
		return out
	}
	added := call("cron.add", `{"name":"digest","schedule":{"kind":"every","everyMs":60000},"sessionTarget":"isolated","wakeMode":"now","payload":{"kind":"agentTurn","message":"Digest."}}`).(JobView)
	ref := `{"jobId":"` + added.ID + `"}`
	if got := call("cron.get", ref).(JobView); got.Name != "digest" {
		t.Fatalf("get %+v", got)
	}
	upd := call("cron.update", `{"id":"`+added.ID+`","patch":{"name":"daily digest"}}`).(JobView)
	if upd.Name != "daily digest" {
		t.Fatalf("update %+v", upd)
	}
	if l := call("cron.list", `{"includeDisabled":true}`).(ListResult); l.Total != 1 {
		t.Fatalf("list %+v", l)
	}
	acc := call("cron.run", `{"id":"`+added.ID+`","mode":"force"}`).(RunAccepted)
	h.settle()
	runs := call("cron.runs", `{"id":"`+added.ID+`","runId":"`+acc.RunID+`"}`).(RunsResult)
	if runs.Total != 1 || runs.Entries[0].Status != StatusOK {
		t.Fatalf("runs %+v", runs)
	}
	if st := call("cron.status", `{}`).(StatusResult); st.Jobs != 1 || !st.Running {
		t.Fatalf("status %+v", st)
	}
	if r := call("cron.remove", ref).(RemoveResult); !r.Removed {
		t.Fatalf("remove %+v", r)
	}
	for method, params := range map[string]string{
		"cron.list":   `{"limit":"ten"}`,
		"cron.add":    `{"name":"x","owner":{}}`,
		"cron.update": `{"id":"x"}`,
		"cron.get":    `{}`,
		"cron.status": `{"x":1}`,
		"cron.nope":   `{}`,
	} {
		if _, err := h.svc.HandleRPC(ctx, method, []byte(params)); err == nil {
			t.Errorf("%s %s accepted", method, params)
		}
	}
	if len(Methods()) != 8 {
		t.Fatal("method list")
	}
}
