// Package sse reads Server-Sent Events streams as the model APIs send them.
//
// It follows the WHATWG event-stream grammar (data lines joined with "\n",
// comments ignored, CR, LF and CRLF line endings) and bounds the size of a
// single event so a misbehaving server cannot make the reader grow without
// limit.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxEventSize bounds one event's data. Tool-call arguments arrive in
// many small events, so a single event this large means the stream is broken.
const DefaultMaxEventSize = 8 << 20

// ErrEventTooLarge reports an event whose data exceeds the reader's limit.
var ErrEventTooLarge = errors.New("sse: event exceeds size limit")

// Event is one dispatched event. Data and the strings stay valid until the
// next call to Next.
type Event struct {
	// Type is the "event:" field; empty means the default type "message".
	Type string
	// Data is the "data:" lines joined with "\n".
	Data []byte
	// ID is the "id:" field, if the event set one.
	ID string
}

// Reader reads events from a stream.
type Reader struct {
	r       *bufio.Reader
	max     int
	data    []byte
	line    []byte
	typ     []byte
	id      []byte
	rest    []byte
	hasRest bool
	lineNo  int
}

// NewReader returns a Reader with DefaultMaxEventSize.
func NewReader(r io.Reader) *Reader {
	return NewReaderSize(r, DefaultMaxEventSize)
}

// NewReaderSize returns a Reader that rejects events larger than max bytes.
func NewReaderSize(r io.Reader, max int) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 16<<10), max: max}
}

// Line reports the number of the last line read, for error messages.
func (r *Reader) Line() int { return r.lineNo }

// Next returns the next event. At the end of the stream it returns io.EOF; a
// final event not terminated by a blank line is dropped, as the grammar says.
func (r *Reader) Next() (Event, error) {
	r.data = r.data[:0]
	r.typ = r.typ[:0]
	r.id = r.id[:0]
	hasData := false
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF {
				return Event{}, io.EOF
			}
			return Event{}, err
		}
		if len(line) == 0 {
			if !hasData {
				r.typ = r.typ[:0]
				continue
			}
			return Event{Type: string(r.typ), Data: r.data, ID: string(r.id)}, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			if hasData {
				r.data = append(r.data, '\n')
			}
			if len(r.data)+len(value) > r.max {
				return Event{}, fmt.Errorf("%w (%d bytes) at line %d", ErrEventTooLarge, r.max, r.lineNo)
			}
			r.data = append(r.data, value...)
			hasData = true
		case "event":
			r.typ = append(r.typ[:0], value...)
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				r.id = append(r.id[:0], value...)
			}
		}
		// "retry" and unknown fields are ignored: clients here never reconnect.
	}
}

// readLine returns the next line without its terminator. The returned slice is
// only valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	if r.hasRest {
		// More lines ended by bare CRs were read together with the last one.
		line := r.rest
		if i := bytes.IndexByte(line, '\r'); i >= 0 {
			line, r.rest = line[:i], line[i+1:]
		} else {
			r.rest, r.hasRest = nil, false
		}
		r.lineNo++
		return line, nil
	}
	r.line = r.line[:0]
	for {
		chunk, err := r.r.ReadSlice('\n')
		r.line = append(r.line, chunk...)
		if len(r.line) > r.max+2 {
			return nil, fmt.Errorf("%w (%d bytes) at line %d", ErrEventTooLarge, r.max, r.lineNo+1)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			// Only CR-terminated lines can still be complete; an
			// unterminated last line cannot finish an event.
			i := bytes.LastIndexByte(r.line, '\r')
			if i < 0 {
				return nil, io.EOF
			}
			r.line = r.line[:i+1]
			break
		}
		if err != nil {
			return nil, err
		}
		break
	}
	body := r.line
	switch {
	case bytes.HasSuffix(body, []byte("\r\n")):
		body = body[:len(body)-2]
	default: // "\n", or "\r" at the end of the stream
		body = body[:len(body)-1]
	}
	if i := bytes.IndexByte(body, '\r'); i >= 0 {
		body, r.rest, r.hasRest = body[:i], body[i+1:], true
	}
	r.lineNo++
	return body, nil
}
