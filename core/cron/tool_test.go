package cron

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openclaw-go/openclaw/core/tools"
)

func TestToolThroughRegistry(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	reg := tools.New(tools.Options{})
	if err := reg.Register(h.svc.Tool()); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, tl := range reg.List(context.Background()) {
		if tl.Name == "cron" {
			found = json.Valid(tl.Parameters)
		}
	}
	if !found {
		t.Fatal("cron tool not listed with a valid schema")
	}
	inv := tools.Invocation{AgentID: "ops", SessionKey: "agent:ops:telegram:dm:42"}
	call := func(args string) tools.Result {
		return reg.Invoke(context.Background(), tools.Call{ID: "1", Name: "cron", Arguments: args, Context: inv}, nil)
	}

	// add, with the job nested as documented.
	res := call(`{"action":"add","job":{"name":"standup","schedule":{"kind":"cron","expr":"0 9 * * 1-5","tz":"UTC"},"payload":{"kind":"agentTurn","message":"Post the standup summary."}}}`)
	if res.IsError {
		t.Fatalf("add: %s", res.Content)
	}
	var added JobView
	if err := json.Unmarshal([]byte(res.Content), &added); err != nil {
		t.Fatal(err)
	}
	// The calling agent and conversation own the job.
	if added.AgentID != "ops" || added.SessionKey != "agent:ops:telegram:dm:42" || added.Delivery.Mode != DeliverAnnounce {
		t.Fatalf("added %+v", added)
	}

	// add, with the fields flattened beside action (models do this).
	res = call(`{"action":"add","name":"water","schedule":{"kind":"every","everyMs":7200000},"payload":{"kind":"agentTurn","message":"Remind me to drink water."}}`)
	if res.IsError {
		t.Fatalf("flat add: %s", res.Content)
	}

	res = call(`{"action":"list"}`)
	var list struct {
		Jobs  []compactJob `json:"jobs"`
		Total int          `json:"total"`
	}
	if err := json.Unmarshal([]byte(res.Content), &list); err != nil || list.Total != 2 {
		t.Fatalf("list: %s", res.Content)
	}
	if list.Jobs[0].NextRunAt == nil || list.Jobs[0].ScheduleKind == "" {
		t.Fatalf("compact job %+v", list.Jobs[0])
	}

	res = call(`{"action":"update","jobId":"` + added.ID + `","patch":{"enabled":false}}`)
	if res.IsError || !strings.Contains(res.Content, `"enabled": false`) {
		t.Fatalf("update: %s", res.Content)
	}
	res = call(`{"action":"run","jobId":"` + added.ID + `"}`)
	if res.IsError || !strings.Contains(res.Content, `"enqueued": true`) {
		t.Fatalf("run: %s", res.Content)
	}
	h.settle()
	res = call(`{"action":"runs","jobId":"` + added.ID + `"}`)
	if res.IsError || !strings.Contains(res.Content, `"status": "ok"`) {
		t.Fatalf("runs: %s", res.Content)
	}
	res = call(`{"action":"status"}`)
	if res.IsError || !strings.Contains(res.Content, `"jobs": 2`) {
		t.Fatalf("status: %s", res.Content)
	}
	res = call(`{"action":"remove","jobId":"` + added.ID + `"}`)
	if res.IsError || !strings.Contains(res.Content, `"removed": true`) {
		t.Fatalf("remove: %s", res.Content)
	}

	for args, want := range map[string]string{
		`{"action":"get"}`:                    "needs jobId",
		`{"action":"fly"}`:                    "unknown action",
		`{}`:                                  "action is required",
		`{"action":"update","jobId":"x"}`:     "needs patch",
		`{"action":"add","job":{"name":"x"}}`: "schedule.kind",
		`{"action":"add","job":{"name":"x","bad":1}}`: "unknown field",
		`not json`: "not a JSON object",
	} {
		res := call(args)
		if !res.IsError || !strings.Contains(res.Content, want) {
			t.Errorf("%s: %q, want an error containing %q", args, res.Content, want)
		}
	}
}

func TestToolSpec(t *testing.T) {
	name, desc, params := ToolSpec()
	if name != "cron" || desc == "" || !tools.ValidName(name) {
		t.Fatalf("spec %q %q", name, desc)
	}
	var schema map[string]any
	if err := json.Unmarshal(params, &schema); err != nil {
		t.Fatalf("parameters are not JSON: %v", err)
	}
	if schema["type"] != "object" {
		t.Fatalf("schema %v", schema)
	}
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(params))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("cron-tool.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("cron-tool.json")
	if err != nil {
		t.Fatalf("the parameter schema does not compile: %v", err)
	}
	for args, ok := range map[string]bool{
		`{"action":"add","job":{"name":"x","schedule":{"kind":"every","everyMs":60000},"payload":{"kind":"agentTurn","message":"hi"}}}`: true,
		`{"action":"list","includeDisabled":true}`: true,
		`{"action":"explode"}`:                     false,
		`{"jobId":"x"}`:                            false,
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(args))
		if err := sch.Validate(inst); (err == nil) != ok {
			t.Errorf("%s: valid=%v, want %v (%v)", args, err == nil, ok, err)
		}
	}
}
