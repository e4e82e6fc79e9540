// Package apis maps the api names of models.providers.*.api to their clients.
// It is the models.ConnectFunc the gateway hands to models.NewRouter.
package apis

import (
	"fmt"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/anthropic"
	"github.com/openclaw-go/openclaw/core/models/echo"
	"github.com/openclaw-go/openclaw/core/models/openai"
)

// Connect returns the client for ep.API.
func Connect(ep models.Endpoint) (models.Provider, error) {
	switch ep.API {
	case models.APIOpenAICompletions:
		return openai.NewCompletions(ep), nil
	case models.APIOpenAIResponses:
		return openai.NewResponses(ep), nil
	case models.APIAnthropicMessages:
		return anthropic.New(ep), nil
	case models.APIEcho:
		return echo.New(), nil
	}
	return nil, fmt.Errorf("provider %q: api %q is not supported", ep.Provider, ep.API)
}
