package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBar(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, "x", 2048)
	clock := time.Unix(0, 0)
	b.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	b.Write(make([]byte, 1024))
	if !strings.Contains(out.String(), " 50% 1.0 KiB/2.0 KiB") {
		t.Fatalf("half way: %q", out.String())
	}
	b.Write(make([]byte, 1024))
	b.Done()
	b.Done()
	if !strings.HasSuffix(out.String(), "100% 2.0 KiB/2.0 KiB\n") || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("finished: %q", out.String())
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
