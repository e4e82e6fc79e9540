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

	"github.com/openclaw-go/openclaw/plugins/fs/internal/workspace"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

type readArgs struct {
	pathArg
	Offset pluginsdk.Int `json:"offset"`
	Limit  pluginsdk.Int `json:"limit"`
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
	if args.Offset.Set {
		if args.Offset.Value < 1 {
			return failf("read: offset must be 1 or more (lines are numbered from 1), got %d", args.Offset.Value)
		}
		offset = args.Offset.Value
	}
	if args.Limit.Set {
		if args.Limit.Value < 1 {
			return failf("read: limit must be 1 or more, got %d", args.Limit.Value)
		}
		limit = min(args.Limit.Value, limit)
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
	var lineNo, first, last, shown int64
	full, cutLine := false, false
	for {
		text, cut, got, err := nextLine(br, maxBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return failf("read %s: %v", rel, err)
		}
		if got {
			lineNo++
			if lineNo >= offset && !full {
				switch {
				case shown == limit:
					full = true
				case shown > 0 && (cut || out.Len()+1+len(text) > maxBytes):
					// The next page starts here.
					full = true
				default:
					if shown > 0 {
						out.WriteByte('\n')
					}
					out.WriteString(text)
					if shown == 0 {
						first = lineNo
					}
					shown++
					last = lineNo
					if cut {
						cutLine, full = true, true
					}
				}
			}
		}
		if err != nil {
			break
		}
	}
	details := map[string]any{"path": rel, "totalLines": lineNo}
	if lineNo == 0 {
		return ok(fmt.Sprintf("[%s is empty]", rel), details)
	}
	if shown == 0 {
		return failf("read %s: offset %d is beyond the end of the file (%d lines)", rel, offset, lineNo)
	}
	details["startLine"], details["endLine"] = first, last
	content := out.String()
	switch {
	case cutLine:
		content += fmt.Sprintf("\n\n[Line %d is longer than %d bytes and was cut. Use exec (e.g. cut -c or head -c) to see the rest.]", last, maxBytes)
		details["truncated"] = true
		if last < lineNo {
			content += fmt.Sprintf("\n[Use offset=%d to continue after it; the file has %d lines.]", last+1, lineNo)
		}
	case last < lineNo:
		content += fmt.Sprintf("\n\n[Showing lines %d-%d of %d. Use offset=%d to continue.]", first, last, lineNo, last+1)
		details["truncated"] = true
	}
	return ok(content, details)
}

// nextLine reads one line without its line end, keeping at most keep bytes
// of it so a gigantic line costs no memory; cut says it was longer. got is
// false at the end of the input.
func nextLine(br *bufio.Reader, keep int) (text string, cut, got bool, err error) {
	var buf []byte
	dropped := false
	for {
		chunk, err := br.ReadSlice('\n')
		// Room for the line and its CR LF, which are trimmed below.
		room := max(keep+2-len(buf), 0)
		if len(chunk) > room {
			buf, dropped = append(buf, chunk[:room]...), true
		} else {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, false, err
		}
		if len(buf) == 0 {
			return "", false, false, err
		}
		if !dropped {
			buf = bytes.TrimSuffix(buf, []byte("\n"))
			buf = bytes.TrimSuffix(buf, []byte("\r"))
		}
		if dropped || len(buf) > keep {
			return trimPartialRune(string(buf[:min(len(buf), keep)])), true, true, err
		}
		return string(buf), false, true, err
	}
}

// trimPartialRune drops a UTF-8 sequence cut off at the end of s.
func trimPartialRune(s string) string {
	for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
