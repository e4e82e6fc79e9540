package main

import (
	"fmt"
	"io"
)

// progress reports a download: a line redrawn in place on a terminal, a
// line at the start and end elsewhere, so CI logs stay short.
type progress struct {
	w        io.Writer
	terminal bool
	label    string
	total    int64 // -1 when the server did not say
	n        int64
	shown    int64 // last value drawn, in tenths of a MB
}

func newProgress(w io.Writer, terminal bool, label string, total int64) *progress {
	p := &progress{w: w, terminal: terminal, label: label, total: total, shown: -1}
	if !terminal {
		fmt.Fprintf(w, "fetchnode: downloading %s%s\n", label, p.size())
	}
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.terminal && p.n/100_000 != p.shown {
		p.shown = p.n / 100_000
		p.draw()
	}
	return len(b), nil
}

func (p *progress) draw() {
	if p.total > 0 {
		fmt.Fprintf(p.w, "\rfetchnode: downloading %s %5.1f/%.1f MB %3d%%", p.label, mb(p.n), mb(p.total), p.n*100/p.total)
		return
	}
	fmt.Fprintf(p.w, "\rfetchnode: downloading %s %5.1f MB", p.label, mb(p.n))
}

func (p *progress) done(ok bool) {
	if p.terminal {
		p.draw()
		fmt.Fprintln(p.w)
		return
	}
	if ok {
		fmt.Fprintf(p.w, "fetchnode: downloaded %s (%.1f MB)\n", p.label, mb(p.n))
	}
}

func (p *progress) size() string {
	if p.total <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%.1f MB)", mb(p.total))
}

func mb(n int64) float64 { return float64(n) / 1e6 }
