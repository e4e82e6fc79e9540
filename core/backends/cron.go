package backends

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/openclaw-go/openclaw/core/cron"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

// cronService lists the scheduler's jobs.
type cronService struct{ svc *cron.Service }

// maxCronPage is the largest page the scheduler serves.
const maxCronPage = 200

// List implements backend.Cron.
func (c *cronService) List(ctx context.Context, q backend.CronQuery) (backend.CronPage, error) {
	if q.Limit < 0 || q.Limit > maxCronPage || q.Offset < 0 {
		return backend.CronPage{}, fmt.Errorf("list cron jobs: limit must be 0-%d and offset >= 0 (got %d, %d): %w", maxCronPage, q.Limit, q.Offset, backend.ErrInvalid)
	}
	res, err := c.svc.List(ctx, cron.ListQuery{
		IncludeDisabled: q.IncludeDisabled, Limit: q.Limit, Offset: q.Offset, Query: q.Query, AgentID: q.AgentID,
	})
	if err != nil {
		if errors.Is(err, cron.ErrDisabled) {
			return backend.CronPage{}, fmt.Errorf("list cron jobs: %v: %w", err, backend.ErrUnavailable)
		}
		return backend.CronPage{}, fmt.Errorf("list cron jobs: %w", err)
	}
	out := backend.CronPage{Total: res.Total, Jobs: make([]backend.CronJob, 0, len(res.Jobs))}
	for _, j := range res.Jobs {
		out.Jobs = append(out.Jobs, backend.CronJob{
			ID: j.ID, Name: firstNonEmpty(j.DisplayName, j.Name), AgentID: j.AgentID, Enabled: j.Enabled,
			Schedule: cron.DescribeSchedule(j.Schedule), NextRunAt: fromMillis(j.NextRunAtMs),
			LastRunAt: fromMillis(j.LastRunAtMs), LastRunStatus: j.LastRunStatus,
		})
	}
	return out, nil
}

// HandleRPC serves the other cron.* methods (backend.CronRPC) with the
// scheduler's own OpenClaw-shaped parameters and results.
func (c *cronService) HandleRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	return c.svc.HandleRPC(ctx, method, params)
}
