package cron

import (
	"context"
	"encoding/json"
	"fmt"
)

// UpdateParams are cron.update params.
type UpdateParams struct {
	JobRef
	Patch json.RawMessage `json:"patch"`
	// ExpectedConfigRevision is accepted for protocol compatibility; jobs
	// carry no revision here, so it is not checked.
	ExpectedConfigRevision string `json:"expectedConfigRevision,omitempty"`
}

// Methods lists the gateway methods HandleRPC serves.
func Methods() []string {
	return []string{"cron.list", "cron.status", "cron.get", "cron.add", "cron.update", "cron.remove", "cron.run", "cron.runs"}
}

// HandleRPC serves one cron.* gateway method: it decodes params strictly
// (an unknown field is an error naming it) and returns the result to
// encode as the response payload.
func (s *Service) HandleRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	switch method {
	case "cron.list":
		var q ListQuery
		if err := Decode(params, &q); err != nil {
			return nil, err
		}
		return s.List(ctx, q)
	case "cron.status":
		if err := Decode(params, &struct{}{}); err != nil {
			return nil, err
		}
		return s.Status(ctx)
	case "cron.get":
		id, err := decodeRef(params)
		if err != nil {
			return nil, err
		}
		return s.Get(ctx, id)
	case "cron.add":
		var in AddInput
		if err := Decode(params, &in); err != nil {
			return nil, err
		}
		return s.Add(ctx, in)
	case "cron.update":
		var p UpdateParams
		if err := Decode(params, &p); err != nil {
			return nil, err
		}
		id, err := p.Ref()
		if err != nil {
			return nil, err
		}
		if len(p.Patch) == 0 {
			return nil, fmt.Errorf("patch: required")
		}
		return s.Update(ctx, id, p.Patch)
	case "cron.remove":
		id, err := decodeRef(params)
		if err != nil {
			return nil, err
		}
		return s.Remove(ctx, id)
	case "cron.run":
		var p RunParams
		if err := Decode(params, &p); err != nil {
			return nil, err
		}
		return s.Run(ctx, p)
	case "cron.runs":
		var q RunsQuery
		if err := Decode(params, &q); err != nil {
			return nil, err
		}
		return s.Runs(ctx, q)
	}
	return nil, fmt.Errorf("unknown method %q", method)
}

func decodeRef(params json.RawMessage) (string, error) {
	var r JobRef
	if err := Decode(params, &r); err != nil {
		return "", err
	}
	return r.Ref()
}
