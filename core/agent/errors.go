package agent

import (
	"errors"

	"github.com/openclaw-go/openclaw/core/models"
)

// userFacing says in a sentence why a turn failed, for the chat. The full
// error goes to the log; keys and provider internals never reach the user.
func userFacing(err error) string {
	var fe *models.FailoverError
	if errors.As(err, &fe) {
		if t := fe.SoonestRetry(); !t.IsZero() && allSkipped(fe) {
			return "All configured models are resting after recent errors; try again after " + t.UTC().Format("15:04 MST") + "."
		}
	}
	var me *models.Error
	errors.As(err, &me)
	switch models.ReasonOf(err) {
	case models.ReasonRateLimit:
		return "The model provider is rate-limiting requests right now. Please try again in a minute."
	case models.ReasonOverloaded:
		return "The model provider is overloaded right now. Please try again shortly."
	case models.ReasonAuth:
		if me != nil && me.Status == 0 && me.Message != "" {
			// Our own explanation (a missing key), which names the
			// variable to set and no secret.
			return "The model cannot be reached: " + me.Message + "."
		}
		return "The model provider rejected the gateway's credentials. Check the API key (`openclaw doctor` shows which one is used)."
	case models.ReasonBilling:
		return "The model provider reports a billing problem with the account (out of credit?)."
	case models.ReasonTimeout:
		return "The model did not answer in time. Please try again."
	case models.ReasonContextOverflow:
		return "This conversation no longer fits in the model's context window. Send /new to start a fresh session."
	case models.ReasonRefusal:
		return "The model declined to answer that."
	case models.ReasonModelNotFound:
		return "The configured model was not found at its provider. Check the model in agents.defaults.model or use /model."
	case models.ReasonConfig:
		if me != nil && me.Message != "" {
			return "The model configuration has a problem: " + me.Message + "."
		}
	case models.ReasonFormat, models.ReasonMalformed:
		return "The model provider could not handle this request. The gateway log has the details."
	}
	if errors.Is(err, ErrUnknownAgent) {
		return err.Error()
	}
	return "Something went wrong while answering. The gateway log has the details."
}

func allSkipped(fe *models.FailoverError) bool {
	for _, a := range fe.Attempts {
		if a.Outcome != models.OutcomeSkipped {
			return false
		}
	}
	return len(fe.Attempts) > 0
}
