package pairing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newStore(t *testing.T) (*Store, *clock, string) {
	t.Helper()
	dir := t.TempDir()
	c := &clock{now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	s, err := New(dir, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, dir
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func TestRequestCodes(t *testing.T) {
	ctx := context.Background()
	s, clk, dir := newStore(t)

	code, created, err := s.Request(ctx, "Telegram", "", "111", map[string]string{"name": "Ann", "empty": " "})
	if err != nil || !created {
		t.Fatalf("Request = %q %v %v", code, created, err)
	}
	if len(code) != CodeLength || strings.Trim(code, CodeAlphabet) != "" {
		t.Errorf("code %q is not 8 characters of the unambiguous alphabet", code)
	}
	clk.Advance(time.Minute)
	again, created, _ := s.Request(ctx, "telegram", "default", "111", nil)
	if again != code || created {
		t.Errorf("repeat request = %q created=%v, want %q false", again, created, code)
	}

	f := readJSON(t, filepath.Join(dir, "credentials", "telegram-pairing.json"))
	reqs := f["requests"].([]any)
	r := reqs[0].(map[string]any)
	meta := r["meta"].(map[string]any)
	if f["version"] != float64(1) || r["id"] != "111" || r["code"] != code || r["createdAt"] != "2026-03-10T12:00:00.000Z" ||
		r["lastSeenAt"] != "2026-03-10T12:01:00.000Z" || meta["accountId"] != "default" || meta["name"] != "Ann" || meta["empty"] != nil {
		t.Errorf("pairing file = %v", f)
	}

	for _, id := range []string{"222", "333"} {
		if _, created, _ := s.Request(ctx, "telegram", "", id, nil); !created {
			t.Fatalf("request %s not created", id)
		}
	}
	if c, created, _ := s.Request(ctx, "telegram", "", "444", nil); c != "" || created {
		t.Errorf("fourth pending request = %q %v, want refused", c, created)
	}
	if _, created, _ := s.Request(ctx, "telegram", "work", "444", nil); !created {
		t.Error("another account's cap is separate")
	}
	if _, created, _ := s.Request(ctx, "discord", "", "444", nil); !created {
		t.Error("another channel's cap is separate")
	}

	clk.Advance(59*time.Minute + 30*time.Second) // 111 was made at 12:00, the rest at 12:01
	list, _ := s.List(ctx, "telegram", "")
	if len(list) != 3 || list[0].ID == "111" || list[2].AccountID() != "work" {
		t.Errorf("after expiry: %+v", list)
	}
	if c, created, _ := s.Request(ctx, "telegram", "", "111", nil); c == code || !created {
		t.Errorf("expired sender got %q created=%v, want a new code", c, created)
	}
}

func TestApproveRejectAllowFrom(t *testing.T) {
	ctx := context.Background()
	s, clk, dir := newStore(t)
	code, _, _ := s.Request(ctx, "telegram", "", "111", nil)
	workCode, _, _ := s.Request(ctx, "telegram", "work", "222", nil)
	otherCode, _, _ := s.Request(ctx, "telegram", "", "333", nil)

	if _, err := s.Approve(ctx, "telegram", "NOPE1234", ""); !errors.Is(err, ErrNoSuchCode) || !strings.Contains(err.Error(), "openclaw pairing list telegram") {
		t.Errorf("unknown code: %v", err)
	}
	if _, err := s.Approve(ctx, "telegram", workCode, "default"); !errors.Is(err, ErrNoSuchCode) {
		t.Errorf("code approved for the wrong account: %v", err)
	}

	req, err := s.Approve(ctx, "telegram", " "+strings.ToLower(code)+" ", "")
	if err != nil || req.ID != "111" {
		t.Fatalf("Approve = %+v, %v", req, err)
	}
	if _, err := s.Approve(ctx, "telegram", workCode, ""); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Reject(ctx, "telegram", otherCode, ""); err != nil || r.ID != "333" {
		t.Fatalf("Reject = %+v, %v", r, err)
	}
	if list, _ := s.List(ctx, "telegram", ""); len(list) != 0 {
		t.Errorf("requests left: %+v", list)
	}

	def := readJSON(t, filepath.Join(dir, "credentials", "telegram-allowFrom.json"))
	if def["version"] != float64(1) || fmt.Sprint(def["allowFrom"]) != "[111]" {
		t.Errorf("default allowFrom file = %v", def)
	}
	work := readJSON(t, filepath.Join(dir, "credentials", "telegram-work-allowFrom.json"))
	if fmt.Sprint(work["allowFrom"]) != "[222]" {
		t.Errorf("work allowFrom file = %v", work)
	}
	if got, _ := s.AllowFrom(ctx, "telegram", ""); fmt.Sprint(got) != "[111]" {
		t.Errorf("AllowFrom(default) = %v", got)
	}
	if got, _ := s.AllowFrom(ctx, "telegram", "Work"); fmt.Sprint(got) != "[222]" {
		t.Errorf("AllowFrom(work) = %v", got)
	}

	// Older gateways' "<channel>-default-allowFrom.json" counts for the
	// default account.
	os.WriteFile(filepath.Join(dir, "credentials", "telegram-default-allowFrom.json"), []byte(`{"version":1,"allowFrom":["999","111","*"]}`), 0o600)
	if got, _ := s.AllowFrom(ctx, "telegram", ""); fmt.Sprint(got) != "[111 999]" {
		t.Errorf("AllowFrom with legacy file = %v", got)
	}

	// Another process edits the file: seen on the next call.
	other, _ := New(dir, Options{Now: clk.Now})
	c2, _, _ := other.Request(ctx, "telegram", "", "555", nil)
	if _, err := other.Approve(ctx, "telegram", c2, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AllowFrom(ctx, "telegram", ""); fmt.Sprint(got) != "[111 555 999]" {
		t.Errorf("AllowFrom after another store approved = %v", got)
	}
	// Even an in-place rewrite is noticed.
	os.WriteFile(filepath.Join(dir, "credentials", "telegram-allowFrom.json"), []byte(`{"version":1,"allowFrom":["777"]}`), 0o600)
	if got, _ := s.AllowFrom(ctx, "telegram", ""); fmt.Sprint(got) != "[777 999 111]" {
		t.Errorf("AllowFrom after in-place edit = %v", got)
	}

	if ok, err := s.Revoke(ctx, "telegram", "", "777"); !ok || err != nil {
		t.Errorf("Revoke = %v, %v", ok, err)
	}
	if ok, _ := s.Revoke(ctx, "telegram", "", "777"); ok {
		t.Error("second Revoke reported a removal")
	}
	if got, _ := s.AllowFrom(ctx, "telegram", ""); fmt.Sprint(got) != "[999 111]" {
		t.Errorf("AllowFrom after revoke = %v", got)
	}
	if chans, _ := s.Channels(); fmt.Sprint(chans) != "[telegram]" {
		t.Errorf("Channels = %v", chans)
	}
}

func TestReadersLeaveNoFiles(t *testing.T) {
	ctx := context.Background()
	s, _, dir := newStore(t)
	if list, err := s.List(ctx, "telegram", ""); err != nil || len(list) != 0 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if _, err := s.Approve(ctx, "telegram", "ABCDEFGH", ""); !errors.Is(err, ErrNoSuchCode) {
		t.Fatalf("Approve = %v", err)
	}
	if got, err := s.AllowFrom(ctx, "telegram", ""); err != nil || len(got) != 0 {
		t.Fatalf("AllowFrom = %v, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "credentials")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("reading created the credentials directory: %v", err)
	}
}

func TestBadInputAndDamagedFiles(t *testing.T) {
	ctx := context.Background()
	s, _, dir := newStore(t)
	for _, ch := range []string{"", "../x", "a/b", `a\b`, "tele:gram", ".."} {
		if _, _, err := s.Request(ctx, ch, "", "1", nil); err == nil {
			t.Errorf("channel %q accepted", ch)
		}
	}
	if _, _, err := s.Request(ctx, "telegram", "../up", "1", nil); err == nil {
		t.Error("account ../up accepted")
	}
	if _, _, err := s.Request(ctx, "telegram", "", " ", nil); err == nil {
		t.Error("empty sender accepted")
	}
	if _, err := New("", Options{}); err == nil {
		t.Error("New without a state dir succeeded")
	}

	creds := filepath.Join(dir, "credentials")
	os.MkdirAll(creds, 0o700)
	os.WriteFile(filepath.Join(creds, "slack-allowFrom.json"), []byte("{oops"), 0o600)
	if _, err := s.AllowFrom(ctx, "slack", ""); err == nil || !strings.Contains(err.Error(), "slack-allowFrom.json") {
		t.Errorf("damaged allowFrom: %v", err)
	}
	code, _, _ := s.Request(ctx, "slack", "", "U1", nil)
	if _, err := s.Approve(ctx, "slack", code, ""); err == nil {
		t.Error("approve over a damaged allowFrom file succeeded")
	}
	if b, _ := os.ReadFile(filepath.Join(creds, "slack-allowFrom.json")); string(b) != "{oops" {
		t.Error("damaged file was overwritten")
	}
	if list, _ := s.List(ctx, "slack", ""); len(list) != 1 {
		t.Error("failed approval dropped the request")
	}
	os.WriteFile(filepath.Join(creds, "irc-pairing.json"), []byte("[1,2"), 0o600)
	if _, err := s.List(ctx, "irc", ""); err == nil || !strings.Contains(err.Error(), "irc-pairing.json") {
		t.Errorf("damaged pairing file: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(creds, ".*tmp*")); len(leftovers) != 0 {
		t.Errorf("temp files left behind: %v", leftovers)
	}
}

// TestTwoProcesses approves codes from a second process (this test binary
// re-run as a helper) while this one does the same; no approval is lost.
func TestTwoProcesses(t *testing.T) {
	if os.Getenv("PAIRING_HELPER_DIR") != "" {
		t.Skip("helper")
	}
	ctx := context.Background()
	dir := t.TempDir()
	const n = 15
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "PAIRING_HELPER_DIR="+dir, "PAIRING_HELPER_N="+strconv.Itoa(n))
	out := make(chan error, 1)
	go func() {
		b, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%v: %s", err, b)
		}
		out <- err
	}()
	approveMany(t, dir, "p1", n)
	if err := <-out; err != nil {
		t.Fatal(err)
	}
	s, _ := New(dir, Options{MaxPending: 1000})
	got, err := s.AllowFrom(ctx, "telegram", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2*n {
		t.Fatalf("%d approved senders, want %d: %v", len(got), 2*n, got)
	}
}

func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("PAIRING_HELPER_DIR")
	if dir == "" {
		t.Skip("only run as a helper")
	}
	n, _ := strconv.Atoi(os.Getenv("PAIRING_HELPER_N"))
	approveMany(t, dir, "p2", n)
}

func approveMany(t *testing.T, dir, prefix string, n int) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := New(dir, Options{MaxPending: 1000})
			code, created, err := s.Request(ctx, "telegram", "", fmt.Sprintf("%s-%d", prefix, i), nil)
			if err != nil || !created {
				t.Errorf("request: %v %v", created, err)
				return
			}
			if _, err := s.Approve(ctx, "telegram", code, ""); err != nil {
				t.Errorf("approve: %v", err)
			}
		}()
	}
	wg.Wait()
}
