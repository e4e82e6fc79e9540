// Package progress draws a one-line download progress bar on a terminal.
package progress

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Bar counts bytes written through it and redraws at most every interval.
type Bar struct {
	out      io.Writer
	label    string
	total    int64
	done     int64
	width    int
	now      func() time.Time
	last     time.Time
	interval time.Duration
	finished bool
}

// New draws to out (a terminal) a bar for total bytes; total <= 0 shows only
// the byte count.
func New(out io.Writer, label string, total int64) *Bar {
	return &Bar{out: out, label: label, total: total, width: 30, now: time.Now, interval: 100 * time.Millisecond}
}

// Write counts p; it never fails, so it can sit in an io.MultiWriter.
func (b *Bar) Write(p []byte) (int, error) {
	b.done += int64(len(p))
	if t := b.now(); t.Sub(b.last) >= b.interval {
		b.last = t
		b.draw()
	}
	return len(p), nil
}

// Done draws the final state and ends the line.
func (b *Bar) Done() {
	if b.finished {
		return
	}
	b.finished = true
	b.draw()
	fmt.Fprintln(b.out)
}

func (b *Bar) draw() {
	if b.total <= 0 {
		fmt.Fprintf(b.out, "\r%s %s", b.label, Bytes(b.done))
		return
	}
	frac := float64(b.done) / float64(b.total)
	if frac > 1 {
		frac = 1
	}
	filled := int(frac * float64(b.width))
	bar := strings.Repeat("=", filled)
	if filled < b.width {
		bar += ">" + strings.Repeat(" ", b.width-filled-1)
	}
	fmt.Fprintf(b.out, "\r%s [%s] %3.0f%% %s/%s", b.label, bar, frac*100, Bytes(b.done), Bytes(b.total))
}

// Bytes renders n in B, KiB, MiB or GiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 2; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMG"[exp])
}
