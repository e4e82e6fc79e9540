package cron

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// patchKind says how cron.update may change a field: "" when it may not.
func patchKind(field string) string {
	switch field {
	case "name", "description", "sessionTarget", "wakeMode", "enabled", "deleteAfterRun":
		return "value"
	case "displayName", "agentId", "sessionKey":
		return "nullable"
	case "schedule":
		return "value"
	case "payload", "delivery":
		return "merge"
	}
	return ""
}

// applyPatch returns a copy of j with the patch applied; j is untouched.
func applyPatch(j *Job, fields map[string]json.RawMessage) (*Job, error) {
	var unknown []string
	for k := range fields {
		if patchKind(k) == "" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("patch: %s cannot be changed (allowed: name, displayName, description, agentId, sessionKey, enabled, deleteAfterRun, schedule, sessionTarget, wakeMode, payload, delivery)", strings.Join(unknown, ", "))
	}
	doc, err := toMap(j)
	if err != nil {
		return nil, err
	}
	for k, raw := range fields {
		isNull := bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
		switch patchKind(k) {
		case "nullable":
			if isNull {
				delete(doc, k)
				continue
			}
			doc[k] = raw
		case "merge":
			if isNull {
				if k == "payload" {
					return nil, fmt.Errorf("patch.payload: cannot be null")
				}
				delete(doc, k)
				continue
			}
			merged, err := mergeObject(doc[k], raw, k == "payload")
			if err != nil {
				return nil, fmt.Errorf("patch.%s: %w", k, err)
			}
			doc[k] = merged
		default:
			if isNull {
				return nil, fmt.Errorf("patch.%s: cannot be null", k)
			}
			doc[k] = raw
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("patch: %w", err)
	}
	var out Job
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("patch: %w", err)
	}
	if out.ID != j.ID {
		return nil, fmt.Errorf("patch: the id cannot change")
	}
	return &out, nil
}

func toMap(j *Job) (map[string]json.RawMessage, error) {
	data, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("encode job: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("encode job: %w", err)
	}
	return m, nil
}

// mergeObject merges patch into cur field by field; a null field deletes
// it. For a payload, a different kind replaces the object instead.
func mergeObject(cur, patch json.RawMessage, kindReplaces bool) (json.RawMessage, error) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil || p == nil {
		return nil, fmt.Errorf("want an object")
	}
	var c map[string]json.RawMessage
	if len(cur) > 0 {
		if err := json.Unmarshal(cur, &c); err != nil {
			return nil, err
		}
	}
	if c == nil {
		c = map[string]json.RawMessage{}
	}
	if kindReplaces {
		if k, ok := p["kind"]; ok && !bytes.Equal(bytes.TrimSpace(k), bytes.TrimSpace(c["kind"])) {
			c = map[string]json.RawMessage{}
		}
	}
	for k, v := range p {
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return json.Marshal(c)
}
