// Package patch reads and applies the apply_patch format: a plain-text
// envelope of file operations that models are trained to write.
//
//	*** Begin Patch
//	*** Add File: path
//	+line
//	*** Update File: path
//	*** Move to: new/path
//	@@ optional context line
//	 context
//	-old
//	+new
//	*** End of File
//	*** Delete File: path
//	*** End Patch
//
// Parsing is strict about the envelope and the hunk headers and forgiving
// about what models commonly get slightly wrong: surrounding whitespace, a
// heredoc wrapper, CRLF line ends, blank lines between chunks, a first chunk
// without its @@ marker. Matching old lines falls back from exact to
// whitespace- and punctuation-insensitive comparison, in that order.
package patch

import (
	"fmt"
	"strings"
)

// Markers of the format.
const (
	beginMarker   = "*** Begin Patch"
	endMarker     = "*** End Patch"
	addMarker     = "*** Add File:"
	deleteMarker  = "*** Delete File:"
	updateMarker  = "*** Update File:"
	moveMarker    = "*** Move to:"
	eofMarker     = "*** End of File"
	contextMarker = "@@ "
	emptyContext  = "@@"
)

// Op is what a hunk does to its file.
type Op int

// Hunk operations.
const (
	Add Op = iota + 1
	Delete
	Update
)

func (o Op) String() string {
	switch o {
	case Add:
		return "add"
	case Delete:
		return "delete"
	case Update:
		return "update"
	}
	return "unknown"
}

// Hunk is the change to one file.
type Hunk struct {
	Op   Op
	Path string
	// MoveTo renames the file after an update; empty for none.
	MoveTo string
	// Contents is the whole new file of an Add.
	Contents string
	// Chunks are the edits of an Update, in file order.
	Chunks []Chunk
}

// Chunk replaces Old with New, somewhere after Context.
type Chunk struct {
	// Context is a line the change follows (the text after "@@ "); empty
	// when the chunk has none.
	Context string
	Old     []string
	New     []string
	// EOF says the chunk ends at the end of the file.
	EOF bool
}

// Error is a parse error with the patch line it is about.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("invalid patch, line %d: %s", e.Line, e.Msg)
	}
	return "invalid patch: " + e.Msg
}

// Parse reads a whole patch.
func Parse(text string) ([]Hunk, error) {
	lines := strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n")
	lines, offset := unwrapHeredoc(lines)
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != beginMarker {
		return nil, &Error{Line: offset + 1, Msg: fmt.Sprintf("the first line must be %q", beginMarker)}
	}
	last := len(lines) - 1
	if last < 1 || strings.TrimSpace(lines[last]) != endMarker {
		return nil, &Error{Line: offset + len(lines), Msg: fmt.Sprintf("the last line must be %q", endMarker)}
	}
	p := parser{lines: lines[1:last], base: offset + 2}
	var hunks []Hunk
	for p.pos < len(p.lines) {
		if strings.TrimSpace(p.lines[p.pos]) == "" {
			p.pos++
			continue
		}
		h, err := p.hunk()
		if err != nil {
			return nil, err
		}
		hunks = append(hunks, h)
	}
	if len(hunks) == 0 {
		return nil, &Error{Msg: "the patch changes no files"}
	}
	return hunks, nil
}

// unwrapHeredoc strips a shell heredoc around the patch (<<'EOF' … EOF),
// which models copy from examples of the command-line form.
func unwrapHeredoc(lines []string) ([]string, int) {
	if len(lines) < 4 {
		return lines, 0
	}
	first := strings.TrimSpace(lines[0])
	i := strings.Index(first, "<<")
	if i < 0 {
		return lines, 0
	}
	tag := strings.Trim(first[i+2:], `'" `)
	if tag == "" || strings.TrimSpace(lines[len(lines)-1]) != tag {
		return lines, 0
	}
	return lines[1 : len(lines)-1], 1
}

type parser struct {
	lines []string
	pos   int
	// base is the patch line number of lines[0], for messages.
	base int
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &Error{Line: p.base + line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) hunk() (Hunk, error) {
	start := p.pos
	header := strings.TrimSpace(p.lines[p.pos])
	p.pos++
	switch {
	case strings.HasPrefix(header, addMarker):
		h := Hunk{Op: Add, Path: strings.TrimSpace(header[len(addMarker):])}
		if h.Path == "" {
			return h, p.errorf(start, "%q names no file", header)
		}
		var b strings.Builder
		for p.pos < len(p.lines) && strings.HasPrefix(p.lines[p.pos], "+") {
			b.WriteString(p.lines[p.pos][1:])
			b.WriteByte('\n')
			p.pos++
		}
		h.Contents = b.String()
		return h, nil
	case strings.HasPrefix(header, deleteMarker):
		h := Hunk{Op: Delete, Path: strings.TrimSpace(header[len(deleteMarker):])}
		if h.Path == "" {
			return h, p.errorf(start, "%q names no file", header)
		}
		return h, nil
	case strings.HasPrefix(header, updateMarker):
		h := Hunk{Op: Update, Path: strings.TrimSpace(header[len(updateMarker):])}
		if h.Path == "" {
			return h, p.errorf(start, "%q names no file", header)
		}
		if p.pos < len(p.lines) && strings.HasPrefix(strings.TrimSpace(p.lines[p.pos]), moveMarker) {
			h.MoveTo = strings.TrimSpace(strings.TrimSpace(p.lines[p.pos])[len(moveMarker):])
			if h.MoveTo == "" {
				return h, p.errorf(p.pos, "%q names no file", strings.TrimSpace(p.lines[p.pos]))
			}
			p.pos++
		}
		for p.pos < len(p.lines) {
			if strings.TrimSpace(p.lines[p.pos]) == "" {
				p.pos++
				continue
			}
			if strings.HasPrefix(p.lines[p.pos], "***") {
				break
			}
			c, err := p.chunk(len(h.Chunks) == 0)
			if err != nil {
				return h, err
			}
			h.Chunks = append(h.Chunks, c)
		}
		if len(h.Chunks) == 0 {
			return h, p.errorf(start, "the update of %s changes nothing", h.Path)
		}
		return h, nil
	}
	return Hunk{}, p.errorf(start, "%q is not a hunk header (expected %q, %q or %q followed by a path)",
		header, addMarker, deleteMarker, updateMarker)
}

// chunk reads one @@ section. The first chunk of a file may omit its @@.
func (p *parser) chunk(first bool) (Chunk, error) {
	var c Chunk
	start := p.pos
	switch line := p.lines[p.pos]; {
	case strings.TrimRight(line, " \t") == emptyContext:
		p.pos++
	case strings.HasPrefix(line, contextMarker):
		c.Context = line[len(contextMarker):]
		p.pos++
	case !first:
		return c, p.errorf(start, "expected a chunk starting with @@, got %q", line)
	}
	n := 0
	for ; p.pos < len(p.lines); p.pos++ {
		line := p.lines[p.pos]
		if strings.TrimSpace(line) == eofMarker {
			if n == 0 {
				return c, p.errorf(p.pos, "a chunk has no lines before %q", eofMarker)
			}
			c.EOF = true
			p.pos++
			return c, nil
		}
		if line == "" {
			// A blank line is an empty context line whose leading space
			// an editor stripped.
			c.Old = append(c.Old, "")
			c.New = append(c.New, "")
			n++
			continue
		}
		switch line[0] {
		case ' ':
			c.Old = append(c.Old, line[1:])
			c.New = append(c.New, line[1:])
		case '-':
			c.Old = append(c.Old, line[1:])
		case '+':
			c.New = append(c.New, line[1:])
		default:
			if n == 0 {
				return c, p.errorf(p.pos, "unexpected line %q in a chunk: every line starts with ' ' (context), '-' (removed) or '+' (added)", line)
			}
			return c, nil
		}
		n++
	}
	if n == 0 {
		return c, p.errorf(start, "a chunk has no lines")
	}
	return c, nil
}
