package main

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/cron"
)

func TestCronCommands(t *testing.T) {
	isolate(t)
	out, errOut, code := runConfigCLI(t, "cron", "add", "0 7 * * *", "Summarize overnight updates.",
		"--name", "Morning brief", "--tz", "Europe/Vienna", "--channel", "slack", "--to", "channel:C1", "--agent", "ops")
	if code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	var added cron.JobView
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatalf("add printed %q: %v", out, err)
	}
	if added.Schedule.Expr != "0 7 * * *" || added.Schedule.Tz != "Europe/Vienna" || added.Delivery.To != "channel:C1" || added.AgentID != "ops" {
		t.Fatalf("added %+v", added)
	}
	// The alias, a one-shot system event, flags after the positional.
	if _, errOut, code := runConfigCLI(t, "automations", "create", "20m", "--system-event", "Check the calendar.", "--session", "main", "--name", "Reminder"); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}

	out, _, code = runConfigCLI(t, "cron", "list")
	if code != 0 || !strings.Contains(out, "Morning brief") || !strings.Contains(out, "cron 0 7 * * * @ Europe/Vienna") ||
		!strings.Contains(out, "slack channel:C1") || !strings.Contains(out, "Reminder") {
		t.Fatalf("list:\n%s", out)
	}

	if _, errOut, code := runConfigCLI(t, "cron", "disable", added.ID); code != 0 {
		t.Fatalf("disable: %s", errOut)
	}
	out, _, _ = runConfigCLI(t, "cron", "list")
	if strings.Contains(out, "Morning brief") {
		t.Fatalf("a disabled job is listed without --all:\n%s", out)
	}
	out, _, _ = runConfigCLI(t, "cron", "list", "--all", "--json")
	var page cron.ListResult
	if err := json.Unmarshal([]byte(out), &page); err != nil || page.Total != 2 {
		t.Fatalf("list --all --json: %s", out)
	}

	out, errOut, code = runConfigCLI(t, "cron", "edit", added.ID, "--message", "New prompt", "--clear-agent")
	if code != 0 || !strings.Contains(out, `"message": "New prompt"`) || strings.Contains(out, `"agentId"`) {
		t.Fatalf("edit: %d %s %s", code, out, errOut)
	}
	out, _, _ = runConfigCLI(t, "cron", "show", added.ID)
	if !strings.Contains(out, "New prompt") || !strings.Contains(out, "disabled") {
		t.Fatalf("show:\n%s", out)
	}
	out, _, code = runConfigCLI(t, "cron", "runs", added.ID)
	if code != 0 || !strings.Contains(out, `"entries": []`) {
		t.Fatalf("runs: %s", out)
	}

	if _, _, code := runConfigCLI(t, "cron", "remove", added.ID); code != 0 {
		t.Fatal("remove failed")
	}
	if _, errOut, code := runConfigCLI(t, "cron", "remove", added.ID); code == 0 || !strings.Contains(errOut, "not found") {
		t.Fatalf("second remove: %d %s", code, errOut)
	}

	// Bad input names the flag.
	if _, errOut, code := runConfigCLI(t, "cron", "add", "--every", "5", "--message", "x"); code != 2 || !strings.Contains(errOut, "--every") {
		t.Fatalf("bad --every: %d %s", code, errOut)
	}
	if _, errOut, code := runConfigCLI(t, "cron", "add", "--message", "x"); code != 2 || !strings.Contains(errOut, "no schedule") {
		t.Fatalf("no schedule: %d %s", code, errOut)
	}
}

func TestCronRunNeedsGateway(t *testing.T) {
	isolate(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	_, errOut, code := runConfigCLI(t, "cron", "run", "some-job", "--port", strconv.Itoa(port))
	if code == 0 || !strings.Contains(errOut, "needs a running gateway") {
		t.Fatalf("run without a gateway: %d %s", code, errOut)
	}
}
