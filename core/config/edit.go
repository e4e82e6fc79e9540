package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/core/config/schema"
	"github.com/tidwall/gjson"
	"github.com/tidwall/pretty"
	"github.com/tidwall/sjson"
)

// Errors the write API returns; the gateway's RPC layer maps them to codes.
var (
	// ErrStaleHash: the file changed since the caller read it (baseHash).
	ErrStaleHash = errors.New("config changed since it was read; reload it and retry")
	// ErrBaseHashRequired: a config file exists and no baseHash was given.
	ErrBaseHashRequired = errors.New("baseHash is required when a config file exists")
	// ErrReadOnly: OPENCLAW_CONFIG_READONLY=1 marks the config as managed
	// elsewhere.
	ErrReadOnly = errors.New("config is read-only (OPENCLAW_CONFIG_READONLY=1); change it where it is managed")
	// ErrNotSet: unset of a path that the config file does not contain.
	ErrNotSet = errors.New("path is not set in the config file")
)

// EnvReadOnly makes every config writer refuse when set to "1".
const EnvReadOnly = "OPENCLAW_CONFIG_READONLY"

// StaleHashError carries both hashes of a refused write.
type StaleHashError struct {
	BaseHash    string
	CurrentHash string
}

func (e *StaleHashError) Error() string {
	return fmt.Sprintf("%v (baseHash %s, current %s)", ErrStaleHash, short(e.BaseHash), short(e.CurrentHash))
}

// Is makes errors.Is(err, ErrStaleHash) true.
func (e *StaleHashError) Is(target error) bool { return target == ErrStaleHash }

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "(none)"
	}
	return h
}

// WriteResult describes a completed write.
type WriteResult struct {
	// Config is the validated configuration now on disk.
	Config *Config
	// Changed is false when the edit changed nothing and the file was left
	// byte for byte as it was.
	Changed bool
	// Backup is the copy of the previous file, when one was written.
	Backup string
}

// Apply replaces the whole config file with raw (JSON5) after validating it.
// baseHash must equal the current Hash when a config file exists. Values
// equal to Redacted are restored from the current file.
func Apply(ctx context.Context, path string, raw []byte, baseHash string, opts LoadOptions) (*WriteResult, error) {
	return edit(ctx, path, opts, &baseHash, true, func(current any, _ []byte) ([]byte, error) {
		next, err := parseJSON5(raw, "raw")
		if err != nil {
			return nil, err
		}
		obj, ok := next.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("raw: the config must be a JSON5 object (got %s)", kindOf(next))
		}
		if _, err := restoreRedacted(obj, current, nil); err != nil {
			return nil, err
		}
		return encodeOrdered(obj, keyOrder(raw)), nil
	})
}

// Patch merges patch (JSON5, RFC 7386 merge patch semantics: objects merge,
// null deletes, anything else replaces) into the config file after
// validating the result. baseHash works as for Apply.
func Patch(ctx context.Context, path string, patch []byte, baseHash string, opts LoadOptions) (*WriteResult, error) {
	return edit(ctx, path, opts, &baseHash, false, func(current any, doc []byte) ([]byte, error) {
		v, err := parseJSON5(patch, "patch")
		if err != nil {
			return nil, err
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("patch: a merge patch must be a JSON5 object (got %s)", kindOf(v))
		}
		if _, err := restoreRedacted(obj, current, nil); err != nil {
			return nil, err
		}
		return mergePatch(doc, obj, nil)
	})
}

// Set writes value at key (gjson/sjson path syntax: "gateway.port",
// "agents.list.0.id", "channels.telegram.dms.:123" for a numeric object
// key) in the config file.
func Set(ctx context.Context, path, key string, value any, opts LoadOptions) (*WriteResult, error) {
	if strings.TrimSpace(key) == "" {
		return nil, errors.New("set: a config path is required")
	}
	return edit(ctx, path, opts, nil, false, func(_ any, doc []byte) ([]byte, error) {
		out, err := sjson.SetRawBytes(doc, key, marshalValue(value))
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", key, err)
		}
		return out, nil
	})
}

// Unset removes key from the config file. It fails with ErrNotSet when the
// file does not contain it.
func Unset(ctx context.Context, path, key string, opts LoadOptions) (*WriteResult, error) {
	return edit(ctx, path, opts, nil, false, func(_ any, doc []byte) ([]byte, error) {
		if !gjson.GetBytes(doc, key).Exists() {
			return nil, fmt.Errorf("unset %s: %w", key, ErrNotSet)
		}
		out, err := sjson.DeleteBytes(doc, key)
		if err != nil {
			return nil, fmt.Errorf("unset %s: %w", key, err)
		}
		return out, nil
	})
}

// edit runs one read-modify-validate-write cycle. mutate receives the
// authored file's parsed value (includes and variables unexpanded) and its
// JSON rendering, and returns the new JSON. baseHash, when non-nil, is
// checked against the current hash.
func edit(ctx context.Context, path string, opts LoadOptions, baseHash *string, replacesAll bool, mutate func(current any, doc []byte) ([]byte, error)) (*WriteResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if getenv(EnvReadOnly) == "1" {
		return nil, ErrReadOnly
	}
	if path == "" {
		path = ResolvePaths(getenv, opts.Home).ConfigPath
	}
	path = filepath.Clean(expandHome(path, opts.Home))
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	state, err := readState(path, opts)
	if err != nil {
		return nil, err
	}
	if baseHash != nil && state.exists {
		switch {
		case *baseHash == "":
			return nil, ErrBaseHashRequired
		case *baseHash != state.hash:
			return nil, &StaleHashError{BaseHash: *baseHash, CurrentHash: state.hash}
		}
	}
	if state.parseErr != nil && !replacesAll {
		return nil, fmt.Errorf("cannot edit %s until it parses (or replace it whole): %w", path, state.parseErr)
	}

	next, err := mutate(state.value, state.doc)
	if err != nil {
		return nil, err
	}
	next = pretty.PrettyOptions(next, &pretty.Options{Width: 80, Indent: "  "})

	candidate := opts
	candidate.Path = path
	candidate.Source = next
	cfg, err := Load(ctx, candidate)
	if err != nil {
		return nil, fmt.Errorf("refusing to write %s: %w", path, err)
	}
	if state.exists && sameJSON(state.doc, next) {
		cfg.Source = state.source
		cfg.hash = state.hash
		return &WriteResult{Config: cfg, Changed: false}, nil
	}

	// Another writer (the gateway, a second CLI) may have replaced the file
	// since it was read: check once more just before replacing it, so that
	// its change is not silently lost.
	again, err := readState(path, opts)
	if err != nil {
		return nil, err
	}
	if again.exists != state.exists || again.hash != state.hash {
		return nil, &StaleHashError{BaseHash: state.hash, CurrentHash: again.hash}
	}
	backup, err := WriteFileAtomic(path, next)
	if err != nil {
		return nil, err
	}
	return &WriteResult{Config: cfg, Changed: true, Backup: backup}, nil
}

// fileState is the config file as it is on disk.
type fileState struct {
	exists bool
	source []byte
	hash   string
	value  any    // parsed authored tree
	doc    []byte // JSON rendering, keys in the file's order
	// parseErr is set when the file does not parse; only a whole-file
	// replacement may proceed then.
	parseErr error
}

func readState(path string, opts LoadOptions) (*fileState, error) {
	readFile := opts.ReadFile
	if readFile == nil {
		readFile = os.ReadFile
	}
	in := &includer{readFile: readFile, home: opts.Home}
	data, err := in.read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &fileState{value: map[string]any{}, doc: []byte("{}")}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	st := &fileState{exists: true, source: data}
	v, err := parseJSON5(data, path)
	if err != nil {
		st.parseErr = err
		st.hash = hashSources(in.files, in.sources)
		st.value = map[string]any{}
		st.doc = []byte("{}")
		return st, nil
	}
	st.value = v
	st.doc = encodeOrdered(v, keyOrder(data))
	// The hash covers included files too, as Load computes it; expansion
	// errors are ignored here because they only shorten the list of files.
	if expanded, err := parseJSON5(data, path); err == nil {
		_, _ = in.resolve(expanded, path, []string{path}, nil)
	}
	st.hash = hashSources(in.files, in.sources)
	return st, nil
}

// mergePatch applies a merge patch to doc key by key with sjson, so that keys
// the patch does not touch keep their place in the file.
func mergePatch(doc []byte, patch map[string]any, prefix []string) ([]byte, error) {
	keys := make([]string, 0, len(patch))
	for k := range patch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		segs := append(prefix[:len(prefix):len(prefix)], k)
		getPath, setPath := sjsonPaths(segs)
		var err error
		switch v := patch[k].(type) {
		case nil:
			if gjson.GetBytes(doc, getPath).Exists() {
				doc, err = sjson.DeleteBytes(doc, setPath)
			}
		case map[string]any:
			if gjson.GetBytes(doc, getPath).IsObject() {
				doc, err = mergePatch(doc, v, segs)
			} else {
				doc, err = sjson.SetRawBytes(doc, setPath, marshalValue(withoutNulls(v)))
			}
		default:
			doc, err = sjson.SetRawBytes(doc, setPath, marshalValue(v))
		}
		if err != nil {
			return nil, fmt.Errorf("patch %s: %w", schema.Path(pathOf(segs)).String(), err)
		}
	}
	return doc, nil
}

func pathOf(segs []string) []schema.Segment {
	out := make([]schema.Segment, len(segs))
	for i, s := range segs {
		out[i] = schema.Segment{Key: s}
	}
	return out
}

// withoutNulls drops null members, as a merge patch does when its target is
// not an object.
func withoutNulls(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if e != nil {
			out[k] = withoutNulls(e)
		}
	}
	return out
}

// sjsonPaths escapes object keys for gjson (lookup) and sjson (write), where
// '.', '*', '?' and friends are syntax. sjson additionally needs a ':' prefix
// so a numeric key creates an object member, not an array element.
func sjsonPaths(segs []string) (get, set string) {
	gets := make([]string, len(segs))
	sets := make([]string, len(segs))
	for i, s := range segs {
		var b strings.Builder
		for _, r := range s {
			switch r {
			case '.', '*', '?', '\\', '|', '#', '@', '!', '=', '<', '>', '%', ':':
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		gets[i] = b.String()
		sets[i] = gets[i]
		if isDigits(s) {
			sets[i] = ":" + s
		}
	}
	return strings.Join(gets, "."), strings.Join(sets, ".")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func marshalValue(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null")
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// ParseValue reads a command-line value as JSON5 when it parses (numbers,
// booleans, quoted strings, objects, lists) and as a plain string otherwise.
func ParseValue(s string) any {
	v, err := parseJSON5([]byte(s), "value")
	if err != nil {
		return s
	}
	return v
}

// HasComments reports whether a JSON5 document contains comments, which a
// rewrite does not keep.
func HasComments(data []byte) bool {
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '"', '\'':
			for i++; i < len(data) && data[i] != c; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 < len(data) && (data[i+1] == '/' || data[i+1] == '*') {
				return true
			}
		}
	}
	return false
}

// File is the config file as written, before includes and substitution.
type File struct {
	Path   string
	Exists bool
	Data   []byte
	// Tree is the parsed file; empty when the file is missing or does not
	// parse.
	Tree map[string]any
	// Hash is what Load would report as Hash, computed even when the config
	// is invalid, so that an invalid config can be repaired with Apply or
	// Patch.
	Hash string
	// ParseError is set when the file is not valid JSON5.
	ParseError error
}

// ReadFile reads the config file at opts.Path (or the resolved default)
// without expanding or validating it.
func ReadFile(opts LoadOptions) (*File, error) {
	path := opts.Path
	if path == "" {
		getenv := opts.Getenv
		if getenv == nil {
			getenv = func(string) string { return "" }
		}
		path = ResolvePaths(getenv, opts.Home).ConfigPath
	}
	path = filepath.Clean(expandHome(path, opts.Home))
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	st, err := readState(path, opts)
	if err != nil {
		return nil, err
	}
	f := &File{Path: path, Exists: st.exists, Data: st.source, Hash: st.hash, ParseError: st.parseErr}
	if m, ok := st.value.(map[string]any); ok && st.parseErr == nil {
		f.Tree = m
	} else {
		f.Tree = map[string]any{}
	}
	return f, nil
}
