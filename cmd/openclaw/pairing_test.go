package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/routing/pairing"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app := newApp()
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	app.ExitErrHandler = func(*cli.Context, error) {}
	err := app.RunContext(context.Background(), append([]string{"openclaw"}, args...))
	return out.String(), err
}

func TestPairingCommands(t *testing.T) {
	state := t.TempDir()
	t.Setenv("OPENCLAW_STATE_DIR", state)
	ctx := context.Background()
	store, err := pairing.New(state, pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tgCode, _, _ := store.Request(ctx, "telegram", "", "111", map[string]string{"name": "Ann", "username": "ann"})
	workCode, _, _ := store.Request(ctx, "telegram", "work", "222", nil)
	dcCode, _, _ := store.Request(ctx, "discord", "", "333", nil)

	out, err := runCLI(t, "pairing", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{tgCode, workCode, dcCode, "Ann @ann", "work"} {
		if !strings.Contains(out, want) {
			t.Errorf("list output lacks %q:\n%s", want, out)
		}
	}

	out, err = runCLI(t, "pairing", "list", "telegram", "--account", "work", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var listed struct {
		Channel  string `json:"channel"`
		Requests []struct {
			Code, ID, AccountID string
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if listed.Channel != "telegram" || len(listed.Requests) != 1 || listed.Requests[0].Code != workCode || listed.Requests[0].AccountID != "work" {
		t.Errorf("--json = %+v", listed)
	}

	if _, err := runCLI(t, "pairing", "list", "--account", " "); err == nil || !strings.Contains(err.Error(), "--account must not be blank") {
		t.Errorf("blank --account: %v", err)
	}
	if _, err := runCLI(t, "pairing", "list", "telegram", "--channel"); err == nil || !strings.Contains(err.Error(), "--channel needs a value") {
		t.Errorf("dangling --channel: %v", err)
	}
	if _, err := runCLI(t, "pairing", "approve", "telegram", tgCode, "--json"); err == nil {
		t.Error("approve accepted --json")
	}
	if _, err := runCLI(t, "pairing", "approve", "discord", "--channel", "telegram", dcCode); err == nil {
		t.Error("conflicting channels accepted")
	}

	out, err = runCLI(t, "pairing", "approve", "telegram", strings.ToLower(tgCode))
	if err != nil || !strings.Contains(out, "Approved telegram sender 111 (Ann)") {
		t.Fatalf("approve: %v\n%s", err, out)
	}
	// One argument: the channel is found from the code.
	if out, err := runCLI(t, "pairing", "approve", dcCode); err != nil || !strings.Contains(out, "discord") {
		t.Fatalf("approve CODE: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "pairing", "approve", "telegram", "ZZZZZZZZ"); err == nil || !strings.Contains(err.Error(), "ZZZZZZZZ") {
		t.Errorf("unknown code: %v", err)
	}
	if _, err := runCLI(t, "pairing", "approve", "--channel", "telegram", "--account", "default", workCode); err == nil {
		t.Error("code approved for the wrong account")
	}
	if _, err := runCLI(t, "pairing", "approve", "--channel", "telegram", "--account", "work", workCode); err != nil {
		t.Fatal(err)
	}

	for ch, acct := range map[string]string{"telegram": "", "discord": ""} {
		got, _ := store.AllowFrom(ctx, ch, acct)
		if len(got) != 1 {
			t.Errorf("%s allowFrom = %v", ch, got)
		}
	}
	if got, _ := store.AllowFrom(ctx, "telegram", "work"); len(got) != 1 || got[0] != "222" {
		t.Errorf("telegram/work allowFrom = %v", got)
	}
	out, _ = runCLI(t, "pairing", "list", "telegram")
	if !strings.Contains(out, "No pending pairing requests on telegram") {
		t.Errorf("list after approvals:\n%s", out)
	}
}
