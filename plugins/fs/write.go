package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/openclaw-go/openclaw/plugins/fs/internal/workspace"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

type writeArgs struct {
	pathArg
	Content *string `json:"content"`
}

func (t *tools) write(ws *workspace.Dir, raw json.RawMessage, lim limits) pluginsdk.ToolResult {
	var args writeArgs
	if err := decodeArgs("write", raw, &args); err != nil {
		return failf("%v", err)
	}
	if args.Content == nil {
		return failf("write: content is required (use an empty string for an empty file)")
	}
	rel, err := ws.Rel(args.path())
	if err != nil {
		return failf("write: %s", describeErr(err))
	}
	if int64(len(*args.Content)) > lim.MaxFileBytes {
		return failf("write %s: content is %d bytes, over the %d-byte limit", rel, len(*args.Content), lim.MaxFileBytes)
	}
	if err := ws.WriteFile(rel, []byte(*args.Content)); err != nil {
		return failf("write: %s", describeErr(err))
	}
	return ok(fmt.Sprintf("Successfully wrote %d bytes to %s", len(*args.Content), rel), map[string]any{"path": rel, "bytes": len(*args.Content)})
}

// replacement is one edit: OpenClaw's oldText/newText, or the
// old_string/new_string spelling some models use.
type replacement struct {
	OldText   *string `json:"oldText"`
	NewText   *string `json:"newText"`
	OldString *string `json:"old_string"`
	NewString *string `json:"new_string"`
}

func (r replacement) pair() (old, new *string) {
	old, new = r.OldText, r.NewText
	if old == nil {
		old = r.OldString
	}
	if new == nil {
		new = r.NewString
	}
	return old, new
}

type editArgs struct {
	pathArg
	replacement
	Edits []replacement `json:"edits"`
}

func (t *tools) edit(ws *workspace.Dir, raw json.RawMessage, lim limits) pluginsdk.ToolResult {
	var args editArgs
	if err := decodeArgs("edit", raw, &args); err != nil {
		return failf("%v", err)
	}
	edits := args.Edits
	if old, _ := args.replacement.pair(); old != nil {
		edits = append([]replacement{args.replacement}, edits...)
	}
	if len(edits) == 0 {
		return failf("edit: give edits (a list of {oldText, newText}) or oldText and newText")
	}
	rel, err := ws.Rel(args.path())
	if err != nil {
		return failf("edit: %s", describeErr(err))
	}
	data, err := ws.ReadFile(rel, lim.MaxFileBytes)
	if err != nil {
		return failf("edit: %s", describeErr(err))
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return failf("edit %s: binary file; edit changes text files only", rel)
	}
	updated, n, firstLine, msg := replaceAll(rel, string(data), edits)
	if msg != "" {
		return failf("%s", msg)
	}
	if err := ws.WriteFile(rel, []byte(updated)); err != nil {
		return failf("edit: %s", describeErr(err))
	}
	return ok(fmt.Sprintf("Successfully replaced %d block(s) in %s.", n, rel), map[string]any{"path": rel, "replacements": n, "firstChangedLine": firstLine})
}

type span struct {
	start, end int
	text       string
	index      int
}

// replaceAll applies every edit to content, each matched against the
// original text. Line ends are compared as LF, and a file with CRLF line
// ends or a byte-order mark keeps them. The message is non-empty on failure.
func replaceAll(rel, content string, edits []replacement) (out string, n, firstLine int, msg string) {
	bom := strings.HasPrefix(content, "\uFEFF")
	content = strings.TrimPrefix(content, "\uFEFF")
	crlf := strings.Contains(content, "\r\n")
	text := strings.ReplaceAll(content, "\r\n", "\n")
	var spans []span
	for i, e := range edits {
		oldp, newp := e.pair()
		where := fmt.Sprintf("edits[%d]", i)
		if len(edits) == 1 {
			where = "the edit"
		}
		if oldp == nil || newp == nil {
			return "", 0, 0, fmt.Sprintf("edit %s: %s needs both oldText and newText", rel, where)
		}
		old := strings.ReplaceAll(*oldp, "\r\n", "\n")
		if old == "" {
			return "", 0, 0, fmt.Sprintf("edit %s: %s has an empty oldText; use write to create or replace a whole file", rel, where)
		}
		switch c := strings.Count(text, old); c {
		case 0:
			return "", 0, 0, fmt.Sprintf("edit %s: could not find the oldText of %s. It must match the file exactly, including whitespace and line breaks; read the file again and copy the text", rel, where)
		case 1:
		default:
			return "", 0, 0, fmt.Sprintf("edit %s: the oldText of %s occurs %d times; it must be unique, so include more surrounding lines", rel, where, c)
		}
		at := strings.Index(text, old)
		spans = append(spans, span{start: at, end: at + len(old), text: strings.ReplaceAll(*newp, "\r\n", "\n"), index: i})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return "", 0, 0, fmt.Sprintf("edit %s: edits[%d] and edits[%d] overlap; merge them into one edit", rel, spans[i-1].index, spans[i].index)
		}
	}
	var b strings.Builder
	prev := 0
	for _, s := range spans {
		b.WriteString(text[prev:s.start])
		b.WriteString(s.text)
		prev = s.end
	}
	b.WriteString(text[prev:])
	out = b.String()
	if out == text {
		return "", 0, 0, fmt.Sprintf("edit %s: no changes made; the replacement text is identical to the original", rel)
	}
	firstLine = strings.Count(text[:spans[0].start], "\n") + 1
	if crlf {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	if bom {
		out = "\uFEFF" + out
	}
	return out, len(spans), firstLine, ""
}
