package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/openclaw-go/openclaw/plugins/fs/internal/patch"
	"github.com/openclaw-go/openclaw/plugins/fs/internal/workspace"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

type patchArgs struct {
	Input string `json:"input"`
	Patch string `json:"patch"`
}

// step is one change to the disk, decided before any is made.
type step struct {
	op      patch.Op
	path    string
	moveTo  string
	content string
}

// applyPatch plans the whole patch in memory first: every path is checked
// and every chunk matched before the first file changes, so a patch that
// does not fit leaves the workspace untouched.
func (t *tools) applyPatch(ctx context.Context, ws *workspace.Dir, raw json.RawMessage, lim limits) pluginsdk.ToolResult {
	var args patchArgs
	if err := decodeArgs("apply_patch", raw, &args); err != nil {
		return failf("%v", err)
	}
	text := args.Input
	if text == "" {
		text = args.Patch
	}
	if strings.TrimSpace(text) == "" {
		return failf("apply_patch: input is required: the whole patch from *** Begin Patch to *** End Patch")
	}
	hunks, err := patch.Parse(text)
	if err != nil {
		return failf("apply_patch: %v", err)
	}
	steps, err := plan(ws, hunks, lim)
	if err != nil {
		return failf("apply_patch: %s; no files were changed", describeErr(err))
	}
	var done []string
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return failf("apply_patch: cancelled after %d of %d changes (%s)", len(done), len(steps), strings.Join(done, ", "))
		}
		if err := commit(ws, s); err != nil {
			applied := "no files were changed"
			if len(done) > 0 {
				applied = "already applied: " + strings.Join(done, ", ")
			}
			return failf("apply_patch: %s; %s", describeErr(err), applied)
		}
		done = append(done, summaryLine(s))
	}
	var b strings.Builder
	b.WriteString("Success. Updated the following files:")
	for _, d := range done {
		b.WriteString("\n")
		b.WriteString(d)
	}
	return ok(b.String(), map[string]any{"changes": done})
}

func summaryLine(s step) string {
	switch s.op {
	case patch.Add:
		return "A " + s.path
	case patch.Delete:
		return "D " + s.path
	}
	if s.moveTo != "" {
		return "M " + s.path + " -> " + s.moveTo
	}
	return "M " + s.path
}

// plan resolves every hunk against the workspace as it will be after the
// hunks before it, without touching the disk.
func plan(ws *workspace.Dir, hunks []patch.Hunk, lim limits) ([]step, error) {
	// state records what earlier hunks did: content, or nil for deleted.
	state := map[string]*string{}
	exists := func(rel string) (bool, error) {
		if c, seen := state[rel]; seen {
			return c != nil, nil
		}
		return ws.Exists(rel)
	}
	content := func(rel string) (string, error) {
		if c, seen := state[rel]; seen {
			if c == nil {
				return "", fmt.Errorf("%s was deleted earlier in this patch", rel)
			}
			return *c, nil
		}
		data, err := ws.ReadFile(rel, lim.MaxFileBytes)
		if err != nil {
			return "", err
		}
		if bytes.IndexByte(data, 0) >= 0 {
			return "", fmt.Errorf("%s is a binary file; apply_patch changes text files only", rel)
		}
		return string(data), nil
	}
	var steps []step
	for i, h := range hunks {
		where := fmt.Sprintf("%s %s (hunk %d)", h.Op, h.Path, i+1)
		rel, err := ws.Rel(h.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		switch h.Op {
		case patch.Add:
			if int64(len(h.Contents)) > lim.MaxFileBytes {
				return nil, fmt.Errorf("%s: content is over the %d-byte limit", where, lim.MaxFileBytes)
			}
			if there, err := exists(rel); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			} else if there {
				return nil, fmt.Errorf("%s: the file already exists; delete it earlier in the same patch to replace it, or use Update File", where)
			}
			if err := ws.CheckPlainParents(rel); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			c := h.Contents
			state[rel] = &c
			steps = append(steps, step{op: patch.Add, path: rel, content: c})
		case patch.Delete:
			fi, err := ws.Lstat(rel)
			if c, seen := state[rel]; seen {
				if c == nil {
					return nil, fmt.Errorf("%s: already deleted earlier in this patch", where)
				}
			} else if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			} else if fi.IsDir() {
				return nil, fmt.Errorf("%s: is a directory; apply_patch deletes files only", where)
			}
			state[rel] = nil
			steps = append(steps, step{op: patch.Delete, path: rel})
		case patch.Update:
			old, err := content(rel)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			updated, err := patch.ApplyChunks(rel, old, h.Chunks)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			s := step{op: patch.Update, path: rel, content: updated}
			if h.MoveTo != "" {
				dest, err := ws.Rel(h.MoveTo)
				if err != nil {
					return nil, fmt.Errorf("%s: move to: %w", where, err)
				}
				if dest != rel {
					if there, err := exists(dest); err != nil {
						return nil, fmt.Errorf("%s: move to: %w", where, err)
					} else if there {
						return nil, fmt.Errorf("%s: cannot move to %s: it already exists; delete it earlier in the same patch to replace it", where, dest)
					}
					if err := ws.CheckPlainParents(dest); err != nil {
						return nil, fmt.Errorf("%s: move to: %w", where, err)
					}
					s.moveTo = dest
					state[rel] = nil
					state[dest] = &updated
				} else {
					state[rel] = &updated
				}
			} else {
				state[rel] = &updated
			}
			steps = append(steps, s)
		}
	}
	return steps, nil
}

func commit(ws *workspace.Dir, s step) error {
	switch s.op {
	case patch.Delete:
		return ws.Remove(s.path)
	case patch.Update:
		if s.moveTo != "" {
			// Rename first, so the moved file keeps its mode.
			if err := ws.Rename(s.path, s.moveTo); err != nil {
				return err
			}
			return ws.WriteFile(s.moveTo, []byte(s.content))
		}
	}
	return ws.WriteFile(s.path, []byte(s.content))
}
