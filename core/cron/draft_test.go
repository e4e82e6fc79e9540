package cron

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func s(v string) *string { return &v }

func TestDraftAddInput(t *testing.T) {
	tests := []struct {
		name  string
		draft Draft
		check func(t *testing.T, in AddInput)
		err   string
	}{
		{"positional cron and prompt", Draft{Schedule: s("0 7 * * *"), Prompt: s("Summarize overnight updates."), Name: s("Morning brief"), Tz: s("America/Los_Angeles"), Session: s("isolated"), Announce: true, Channel: s("slack"), To: s("channel:C1")},
			func(t *testing.T, in AddInput) {
				if in.Schedule.Kind != KindCron || in.Schedule.Tz != "America/Los_Angeles" || in.Payload.Message != "Summarize overnight updates." ||
					in.Name != "Morning brief" || in.Delivery.Channel != "slack" || in.Delivery.To != "channel:C1" || in.Delivery.Mode != DeliverAnnounce {
					t.Fatalf("%+v", in)
				}
			}, ""},
		{"one-shot system event", Draft{At: s("20m"), Name: s("Calendar check"), Session: s("main"), SystemEvent: s("Check calendar."), Wake: s("now"), DeleteAfterRun: true},
			func(t *testing.T, in AddInput) {
				if in.Schedule.At != "2026-03-02T08:20:00.000Z" || in.Payload.Kind != PayloadSystemEvent || *in.DeleteAfterRun != true || in.WakeMode != "now" {
					t.Fatalf("%+v", in)
				}
			}, ""},
		{"at in a zone", Draft{At: s("2027-02-01 16:00"), Tz: s("Europe/Vienna"), Message: s("x")},
			func(t *testing.T, in AddInput) {
				if in.Schedule.At != "2027-02-01T15:00:00.000Z" {
					t.Fatalf("%s", in.Schedule.At)
				}
			}, ""},
		{"every with model and timeout", Draft{Every: s("90s"), Message: s("Check the queue"), Model: s("opus"), Thinking: s("high"), TimeoutSeconds: ptr(120.0), LightContext: ptr(true), NoDeliver: true},
			func(t *testing.T, in AddInput) {
				if in.Schedule.EveryMs != 90_000 || in.Payload.Model != "opus" || in.Payload.Thinking != "high" || *in.Payload.TimeoutSeconds != 120 ||
					!in.Payload.LightContext || in.Delivery.Mode != DeliverNone || in.Name != "Check the queue" {
					t.Fatalf("%+v", in)
				}
			}, ""},
		{"exact cron", Draft{Cron: s("0 * * * *"), Exact: true, Message: s("x")},
			func(t *testing.T, in AddInput) {
				if in.Schedule.StaggerMs == nil || *in.Schedule.StaggerMs != 0 {
					t.Fatalf("%+v", in.Schedule)
				}
			}, ""},
		{"stagger", Draft{Cron: s("0 * * * *"), Stagger: s("30s"), Message: s("x")},
			func(t *testing.T, in AddInput) {
				if *in.Schedule.StaggerMs != 30_000 {
					t.Fatalf("%+v", in.Schedule)
				}
			}, ""},
		{"webhook", Draft{Every: s("1h"), Message: s("x"), Webhook: s("https://example.com/hook")},
			func(t *testing.T, in AddInput) {
				if in.Delivery.Mode != DeliverWebhook || in.Delivery.To != "https://example.com/hook" {
					t.Fatalf("%+v", in.Delivery)
				}
			}, ""},
		{"keep after run, disabled", Draft{At: s("1h"), Message: s("x"), KeepAfterRun: true, Disabled: true},
			func(t *testing.T, in AddInput) {
				if *in.DeleteAfterRun || *in.Enabled {
					t.Fatalf("%+v", in)
				}
			}, ""},
		{"long prompt names the job", Draft{Every: s("1h"), Message: s(strings.Repeat("word ", 30))},
			func(t *testing.T, in AddInput) {
				if len([]rune(in.Name)) > 49 || !strings.HasSuffix(in.Name, "…") {
					t.Fatalf("name %q", in.Name)
				}
			}, ""},
		{"no schedule", Draft{Message: s("x")}, nil, "no schedule"},
		{"two schedules", Draft{Every: s("1h"), Cron: s("* * * * *"), Message: s("x")}, nil, "give one schedule"},
		{"no payload", Draft{Every: s("1h")}, nil, "no payload"},
		{"two payloads", Draft{Every: s("1h"), Message: s("x"), SystemEvent: s("y")}, nil, "different payloads"},
		{"tz with every", Draft{Every: s("1h"), Tz: s("UTC"), Message: s("x")}, nil, "--tz"},
		{"exact with every", Draft{Every: s("1h"), Exact: true, Message: s("x")}, nil, "cron schedules only"},
		{"webhook and channel", Draft{Every: s("1h"), Message: s("x"), Webhook: s("https://e.com"), Channel: s("slack")}, nil, "--webhook cannot be combined"},
		{"announce and no-deliver", Draft{Every: s("1h"), Message: s("x"), Announce: true, NoDeliver: true}, nil, "contradict"},
		{"delete and keep", Draft{At: s("1h"), Message: s("x"), DeleteAfterRun: true, KeepAfterRun: true}, nil, "contradict"},
		{"bad every", Draft{Every: s("often"), Message: s("x")}, nil, "--every"},
		{"model on a system event", Draft{Every: s("1h"), SystemEvent: s("x"), Model: s("opus")}, nil, "apply to agent turns"},
		{"negative timeout", Draft{Every: s("1h"), Message: s("x"), TimeoutSeconds: ptr(-1.0)}, nil, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := tc.draft.AddInput(t0)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, in)
		})
	}
}

func TestDraftPatch(t *testing.T) {
	cur := Job{ID: "j", Schedule: Schedule{Kind: KindCron, Expr: "0 7 * * *", Tz: "UTC"},
		Payload:  Payload{Kind: PayloadAgentTurn, Message: "x", Model: "opus"},
		Delivery: &Delivery{Mode: DeliverAnnounce, Channel: "slack", To: "channel:C1", AccountID: "work"}}
	tests := []struct {
		name  string
		draft Draft
		want  string // the patch as JSON
		err   string
	}{
		{"message and clear model", Draft{Message: s("Updated prompt"), ClearModel: true},
			`{"payload":{"kind":"agentTurn","message":"Updated prompt","model":null}}`, ""},
		{"tz alone keeps the expression", Draft{Tz: s("Europe/Vienna")},
			`{"schedule":{"kind":"cron","expr":"0 7 * * *","tz":"Europe/Vienna"}}`, ""},
		{"new route keeps the account", Draft{Channel: s("telegram"), To: s("123")},
			`{"delivery":{"accountId":"work","bestEffort":false,"channel":"telegram","mode":"announce","threadId":null,"to":"123"}}`, ""},
		{"no deliver", Draft{NoDeliver: true},
			`{"delivery":{"accountId":null,"bestEffort":false,"channel":null,"mode":"none","threadId":null,"to":null}}`, ""},
		{"clear agent", Draft{ClearAgent: true}, `{"agentId":null}`, ""},
		{"nothing", Draft{}, "", "nothing to change"},
		{"agent and clear agent", Draft{Agent: s("ops"), ClearAgent: true}, "", "contradict"},
		{"positional on edit", Draft{Schedule: s("0 * * * *")}, "", "job id only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.draft.Patch(t0, cur)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			json.Unmarshal(got, &g)
			json.Unmarshal([]byte(tc.want), &w)
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			if string(gj) != string(wj) {
				t.Fatalf("patch %s\nwant  %s", gj, wj)
			}
		})
	}
}

// TestCLIFlow is what `openclaw cron add|list|edit|remove` do without a
// gateway: a service that is opened, not started, on the state directory.
func TestCLIFlow(t *testing.T) {
	dir := t.TempDir()
	open := func() *Service {
		s, err := Open(Options{StateDir: dir, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()
	in, err := Draft{Schedule: s("every 2h"), Prompt: s("Check the build"), Name: s("build watch")}.AddInput(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	added, err := open().Add(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := open().List(ctx, ListQuery{})
	if list.Total != 1 || list.Jobs[0].Name != "build watch" || list.Jobs[0].Schedule.EveryMs != 7_200_000 {
		t.Fatalf("list %+v", list)
	}
	patch, err := Draft{Message: s("Check the build and the tests")}.Patch(time.Now(), added.Job)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open().Update(ctx, added.ID, patch); err != nil {
		t.Fatal(err)
	}
	if _, err := open().Update(ctx, added.ID, json.RawMessage(`{"enabled":false}`)); err != nil {
		t.Fatal(err)
	}
	if list, _ := open().List(ctx, ListQuery{}); list.Total != 0 {
		t.Fatalf("disabled job listed without --all")
	}
	got, _ := open().Get(ctx, added.ID)
	if got.Payload.Message != "Check the build and the tests" || got.Enabled {
		t.Fatalf("after edit and disable %+v", got)
	}
	if _, err := open().Remove(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := open().List(ctx, ListQuery{IncludeDisabled: true}); list.Total != 0 {
		t.Fatalf("job left after remove: %+v", list)
	}
}
