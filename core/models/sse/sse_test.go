package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, r *Reader) ([]Event, error) {
	t.Helper()
	var out []Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		ev.Data = append([]byte(nil), ev.Data...)
		out = append(out, ev)
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Event
	}{
		{"single", "data: hello\n\n", []Event{{Data: []byte("hello")}}},
		{"typed", "event: ping\ndata: {}\n\n", []Event{{Type: "ping", Data: []byte("{}")}}},
		{"multiline data", "data: a\ndata: b\n\n", []Event{{Data: []byte("a\nb")}}},
		{"no space after colon", "data:x\n\n", []Event{{Data: []byte("x")}}},
		{"only one space stripped", "data:  x\n\n", []Event{{Data: []byte(" x")}}},
		{"comments ignored", ": keep-alive\ndata: x\n\n: bye\n\n", []Event{{Data: []byte("x")}}},
		{"crlf", "event: e\r\ndata: x\r\n\r\n", []Event{{Type: "e", Data: []byte("x")}}},
		{"bare cr", "data: x\r\rdata: y\r\r", []Event{{Data: []byte("x")}, {Data: []byte("y")}}},
		{"cr then crlf", "data: x\r\r\n", []Event{{Data: []byte("x")}}},
		{"id", "id: 7\ndata: x\n\n", []Event{{ID: "7", Data: []byte("x")}}},
		{"empty data dispatches", "data:\n\n", []Event{{Data: []byte("")}}},
		{"type without data is dropped", "event: lonely\n\ndata: x\n\n", []Event{{Data: []byte("x")}}},
		{"unterminated last event dropped", "data: a\n\ndata: b", []Event{{Data: []byte("a")}}},
		{"unterminated last event with newline dropped", "data: a\n\ndata: b\n", []Event{{Data: []byte("a")}}},
		{"retry and unknown fields ignored", "retry: 10\nfoo: bar\ndata: x\n\n", []Event{{Data: []byte("x")}}},
		{"field without colon", "data\n\n", []Event{{Data: []byte("")}}},
		{"several events", "data: 1\n\ndata: 2\n\ndata: [DONE]\n\n", []Event{{Data: []byte("1")}, {Data: []byte("2")}, {Data: []byte("[DONE]")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, NewReader(strings.NewReader(tt.in)))
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %q, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i].Type != tt.want[i].Type || got[i].ID != tt.want[i].ID || !bytes.Equal(got[i].Data, tt.want[i].Data) {
					t.Errorf("event %d = %+v (data %q), want %+v (data %q)", i, got[i], got[i].Data, tt.want[i], tt.want[i].Data)
				}
			}
		})
	}
}

func TestReaderSmallReads(t *testing.T) {
	// One byte at a time exercises every buffer boundary.
	in := "event: a\r\ndata: {\"x\":1}\r\n\r\ndata: second\n\n"
	got, err := readAll(t, NewReader(&oneByteReader{s: in}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Type != "a" || string(got[0].Data) != `{"x":1}` || string(got[1].Data) != "second" {
		t.Fatalf("got %+v", got)
	}
}

func TestReaderLimit(t *testing.T) {
	big := strings.Repeat("x", 100)
	tests := []struct {
		name string
		in   string
	}{
		{"long line", "data: " + big + "\n\n"},
		{"many data lines", strings.Repeat("data: "+big[:40]+"\n", 4) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, NewReaderSize(strings.NewReader(tt.in), 64))
			if !errors.Is(err, ErrEventTooLarge) {
				t.Fatalf("err = %v, want ErrEventTooLarge", err)
			}
		})
	}
}

func TestReaderLongLineWithinLimit(t *testing.T) {
	// Longer than bufio's buffer, within the event limit.
	big := strings.Repeat("y", 100<<10)
	got, err := readAll(t, NewReader(strings.NewReader("data: "+big+"\n\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got[0].Data) != big {
		t.Fatalf("got %d events", len(got))
	}
}

func TestReaderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := NewReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b"), &errReader{boom}))
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

type oneByteReader struct {
	s string
	i int
}

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.i >= len(r.s) {
		return 0, io.EOF
	}
	p[0] = r.s[r.i]
	r.i++
	return 1, nil
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// chatStream builds a Chat Completions-like stream of n text deltas.
func chatStream(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token %d \"},\"finish_reason\":null}]}\n\n", i)
	}
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

func BenchmarkReader(b *testing.B) {
	stream := chatStream(1000)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(stream))
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 1001 {
			b.Fatalf("read %d events", n)
		}
	}
}
