package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/plugins/fs/internal/workspace"
)

type readArgs struct {
	pathArg
	Offset number `json:"offset"`
	Limit  number `json:"limit"`
}

// sniffLen is how much of a file decides text, image or binary.
const sniffLen = 8 << 10

// images are the types read returns as attachments.
var images = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

func (t *tools) read(ws *workspace.Dir, raw json.RawMessage, lim limits) pluginsdk.ToolResult {
	var args readArgs
	if err := decodeArgs("read", raw, &args); err != nil {
		return failf("%v", err)
	}
	rel, err := ws.Rel(args.path())
	if err != nil {
		return failf("read: %s", describeErr(err))
	}
	offset, limit := int64(1), int64(lim.MaxReadLines)
	if args.Offset.set {
		if args.Offset.v < 1 {
			return failf("read: offset must be 1 or more (lines are numbered from 1), got %d", args.Offset.v)
		}
		offset = args.Offset.v
	}
	if args.Limit.set {
		if args.Limit.v < 1 {
			return failf("read: limit must be 1 or more, got %d", args.Limit.v)
		}
		limit = min(args.Limit.v, limit)
	}
	f, err := ws.Open(rel)
	if err != nil {
		return failf("read: %s", describeErr(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return failf("read %s: %v", rel, err)
	}
	if fi.IsDir() {
		return failf("read %s: is a directory", rel)
	}
	if !fi.Mode().IsRegular() {
		return failf("read %s: not a regular file", rel)
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return failf("read %s: %v", rel, err)
	}
	head = head[:n]
	if mime := http.DetectContentType(head); images[mime] {
		return readImage(f, rel, mime, fi.Size(), lim)
	} else if isBinary(head) {
		return failf("read %s: binary file (%d bytes, %s); read shows text files and images only", rel, fi.Size(), mime)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return failf("read %s: %v", rel, err)
	}
	return readLines(f, rel, offset, limit, lim.MaxReadBytes)
}

func readImage(f io.ReadSeeker, rel, mime string, size int64, lim limits) pluginsdk.ToolResult {
	if size > lim.MaxImageBytes {
		return failf("read %s: image is %d bytes, over the %d-byte limit", rel, size, lim.MaxImageBytes)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return failf("read %s: %v", rel, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, lim.MaxImageBytes+1))
	if err != nil {
		return failf("read %s: %v", rel, err)
	}
	if int64(len(data)) > lim.MaxImageBytes {
		return failf("read %s: image grew over the %d-byte limit", rel, lim.MaxImageBytes)
	}
	res := ok(fmt.Sprintf("Read image file %s [%s, %d bytes]", rel, mime, len(data)), map[string]any{"path": rel, "mimeType": mime, "bytes": len(data)})
	res.Media = []pluginsdk.Media{{Kind: "image", MimeType: mime, FileName: rel, Data: data, Size: int64(len(data))}}
	return res
}

// isBinary reports a NUL byte or invalid UTF-8 in the sniffed head. A rune
// cut off at the end of the head is not held against the file.
func isBinary(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			return len(head)-i >= utf8.UTFMax || utf8.FullRune(head[i:])
		}
		i += size
	}
	return false
}

// readLines returns lines offset.. of r, at most limit lines and maxBytes
// bytes, then counts the rest so the model knows how far the file goes.
func readLines(r io.Reader, rel string, offset, limit int64, maxBytes int) pluginsdk.ToolResult {
	br := bufio.NewReaderSize(r, 64<<10)
	var out strings.Builder
	var lineNo, first, last int64
	full, cutLine := false, false
	for {
		line, err := nextLine(br, maxBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return failf("read %s: %v", rel, err)
		}
		if line.ok {
			lineNo++
			if lineNo >= offset && !full {
				text := line.text
				need := len(text)
				if out.Len() > 0 {
					need++
				}
				switch {
				case last-first+1 >= limit && first > 0:
					full = true
				case out.Len()+need > maxBytes && first > 0:
					full = true
				default:
					if out.Len() > 0 {
						out.WriteByte('\n')
					}
					if need > maxBytes || line.cut {
						// A single line longer than the whole budget.
						text = text[:min(len(text), maxBytes)]
						for !utf8.ValidString(text) && len(text) > 0 {
							text = text[:len(text)-1]
						}
						cutLine = true
						full = true
					}
					out.WriteString(text)
					if first == 0 {
						first = lineNo
					}
					last = lineNo
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	details := map[string]any{"path": rel, "totalLines": lineNo}
	if lineNo == 0 {
		return ok(fmt.Sprintf("[%s is empty]", rel), details)
	}
	if first == 0 {
		return failf("read %s: offset %d is beyond the end of the file (%d lines)", rel, offset, lineNo)
	}
	details["startLine"], details["endLine"] = first, last
	content := out.String()
	switch {
	case cutLine:
		content += fmt.Sprintf("\n\n[Line %d is longer than %d bytes and was cut. Use exec (e.g. cut or head -c) to see the rest.]", last, maxBytes)
		details["truncated"] = true
	case last < lineNo:
		content += fmt.Sprintf("\n\n[Showing lines %d-%d of %d. Use offset=%d to continue.]", first, last, lineNo, last+1)
		details["truncated"] = true
	}
	return ok(content, details)
}

type line struct {
	text string
	ok   bool
	// cut says the line was longer than the cap and only its start is kept.
	cut bool
}

// nextLine reads one line without its newline (and a CR before it), keeping
// at most keep bytes of it so a gigantic line costs no memory.
func nextLine(br *bufio.Reader, keep int) (line, error) {
	var buf []byte
	var l line
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf) < keep+1 {
			buf = append(buf, chunk[:min(len(chunk), keep+1-len(buf))]...)
		} else if len(chunk) > 0 {
			l.cut = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(chunk) > 0 || len(buf) > 0 {
			l.ok = true
		}
		text := string(buf)
		if len(buf) > keep {
			l.cut = true
			text = text[:keep]
		} else {
			text = strings.TrimSuffix(text, "\n")
			text = strings.TrimSuffix(text, "\r")
		}
		l.text = text
		if err != nil && len(text) == 0 && !l.cut {
			l.ok = false
		}
		return l, err
	}
}
