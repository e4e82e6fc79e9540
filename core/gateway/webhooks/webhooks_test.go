package webhooks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStoreCRUDAndPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway", FileName)
	s, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(NewInput{URL: "https://example.com/hook", Events: []string{EventMessageCreated}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.Secret, "whsec_") || !strings.HasPrefix(w.ID, "wh_") {
		t.Fatalf("created %+v", w)
	}
	reopened, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reopened.Get(w.ID)
	if err != nil || got.URL != w.URL || got.Secret != w.Secret {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if err := reopened.Delete(w.ID); err != nil {
		t.Fatal(err)
	}
	if err := reopened.Delete(w.ID); err == nil {
		t.Fatal("deleting twice succeeded")
	}
	if again, _ := OpenStore(path, nil); len(again.List()) != 0 {
		t.Fatal("delete not persisted")
	}
}

func TestCreateValidation(t *testing.T) {
	s, _ := OpenStore(filepath.Join(t.TempDir(), FileName), nil)
	for _, in := range []NewInput{
		{URL: "ftp://x/y", Events: []string{"*"}},
		{URL: "/relative", Events: []string{"*"}},
		{URL: "https://x", Events: nil},
		{URL: "https://x", Events: []string{"message.exploded"}},
		{URL: "https://x", Events: []string{"*"}, Secret: "short"},
	} {
		if _, err := s.Create(in); err == nil {
			t.Errorf("Create(%+v) succeeded", in)
		}
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"type":"message.created"}`)
	now := time.Unix(1_700_000_000, 0)
	sig := Sign("topsecret-abcdefgh", now.Unix(), body)
	if !Verify("topsecret-abcdefgh", now.Unix(), body, sig, now, 5*time.Minute) {
		t.Fatal("valid signature rejected")
	}
	if Verify("other-secret-abcdef", now.Unix(), body, sig, now, 5*time.Minute) {
		t.Fatal("wrong secret accepted")
	}
	if Verify("topsecret-abcdefgh", now.Unix(), []byte(`{"type":"x"}`), sig, now, 5*time.Minute) {
		t.Fatal("tampered body accepted")
	}
	if Verify("topsecret-abcdefgh", now.Unix(), body, sig, now.Add(time.Hour), 5*time.Minute) {
		t.Fatal("stale timestamp accepted")
	}
}

type receiver struct {
	mu       sync.Mutex
	statuses []int // answers in order; the last repeats
	got      []*http.Request
	bodies   [][]byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, req)
	r.bodies = append(r.bodies, body)
	i := min(len(r.got)-1, len(r.statuses)-1)
	status := r.statuses[i]
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func setup(t *testing.T, statuses ...int) (*Store, *Dispatcher, *receiver, Webhook) {
	t.Helper()
	rc := &receiver{statuses: statuses}
	hs := httptest.NewServer(rc)
	t.Cleanup(hs.Close)
	s, _ := OpenStore(filepath.Join(t.TempDir(), FileName), nil)
	w, err := s.Create(NewInput{URL: hs.URL + "/hook", Events: []string{EventMessageCreated}, Secret: "s3cret-s3cret-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDispatcher(s, DispatcherOptions{Backoff: func(int) time.Duration { return time.Millisecond }})
	t.Cleanup(func() { d.Close(context.Background()) })
	return s, d, rc, w
}

func TestDeliveryRetriedThenSigned(t *testing.T) {
	_, d, rc, w := setup(t, 503, 429, 200)
	res := d.Deliver(context.Background(), w, Event{ID: "evt_1", Type: EventMessageCreated, Data: map[string]any{"text": "hi"}})
	if !res.Delivered || res.Attempts != 3 || res.StatusCode != 200 {
		t.Fatalf("result %+v", res)
	}
	last := rc.got[2]
	ts, _ := strconv.ParseInt(last.Header.Get("X-OpenClaw-Timestamp"), 10, 64)
	if !Verify(w.Secret, ts, rc.bodies[2], last.Header.Get("X-OpenClaw-Signature"), time.Now(), time.Minute) {
		t.Fatal("delivery signature does not verify")
	}
	if last.Header.Get("X-OpenClaw-Event") != EventMessageCreated || last.Header.Get("X-OpenClaw-Delivery") != "evt_1" {
		t.Fatalf("headers %v", last.Header)
	}
	var ev Event
	if err := json.Unmarshal(rc.bodies[2], &ev); err != nil || ev.Type != EventMessageCreated {
		t.Fatalf("body %s", rc.bodies[2])
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	_, d, rc, w := setup(t, 400)
	res := d.Deliver(context.Background(), w, Event{ID: "e", Type: EventMessageCreated})
	if res.Delivered || res.Attempts != 1 || rc.count() != 1 {
		t.Fatalf("result %+v after %d requests", res, rc.count())
	}
}

func TestRetriesStopAtMaxAttempts(t *testing.T) {
	_, d, rc, w := setup(t, 500)
	res := d.Deliver(context.Background(), w, Event{ID: "e", Type: EventMessageCreated})
	if res.Delivered || res.Attempts != 5 || rc.count() != 5 {
		t.Fatalf("result %+v after %d requests", res, rc.count())
	}
}

func TestEmitDeliversToSubscribersOnly(t *testing.T) {
	s, d, rc, _ := setup(t, 200)
	other := &receiver{statuses: []int{200}}
	hs := httptest.NewServer(other)
	defer hs.Close()
	if _, err := s.Create(NewInput{URL: hs.URL, Events: []string{EventSessionCreated}}); err != nil {
		t.Fatal(err)
	}
	d.Emit(EventMessageCreated, map[string]any{"text": "x"})
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rc.count() != 1 || other.count() != 0 {
		t.Fatalf("subscriber got %d, other got %d", rc.count(), other.count())
	}
	d.Emit(EventMessageCreated, nil) // after Close: ignored, no panic
}

func TestTestDeliverySingleAttempt(t *testing.T) {
	_, d, rc, w := setup(t, 503)
	res := d.Test(context.Background(), w)
	if res.Delivered || res.Attempts != 1 || rc.count() != 1 || rc.got[0].Header.Get("X-OpenClaw-Event") != EventTest {
		t.Fatalf("test delivery %+v", res)
	}
}
