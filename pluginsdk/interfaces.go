package pluginsdk

import (
	"context"

	hclog "github.com/hashicorp/go-hclog"
)

// Host is the gateway as a plugin sees it.
type Host interface {
	// Emit hands an inbound message to the gateway and returns once it is
	// durably accepted. Acknowledge the message to the platform only after
	// Emit returns nil. duplicate reports a message accepted before.
	Emit(ctx context.Context, msg InboundMessage) (duplicate bool, err error)
	// ReportStatus updates the account status `channels status` shows.
	ReportStatus(ctx context.Context, status AccountStatus) error
	// KV is a small key-value store private to the plugin.
	KV() KV
	// Logger logs with the plugin's name through the gateway.
	Logger() hclog.Logger
}

// KV is a plugin's private key-value store, kept by the gateway.
type KV interface {
	Get(ctx context.Context, key string) (value []byte, found bool, err error)
	Set(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string) ([]string, error)
}

// Channel connects a chat platform.
type Channel interface {
	// Run serves one account until ctx is cancelled. It returns an error
	// when the account cannot go on; the SDK reports it and runs the
	// account again with backoff, unless the error is Permanent.
	Run(ctx context.Context, acct Account) error
	// Send delivers one message chunk.
	Send(ctx context.Context, msg OutboundMessage) (SendResult, error)
	// Probe checks an account's credentials and reachability.
	Probe(ctx context.Context, acct Account) (ProbeResult, error)
}

// Reactor is implemented by channels that support reactions.
type Reactor interface {
	React(ctx context.Context, r Reaction) error
}

// ToolProvider offers tools.
type ToolProvider interface {
	Tools(ctx context.Context) ([]ToolSpec, error)
	// Invoke runs a call. progress may be called any number of times
	// before Invoke returns. A failure the model should see is a
	// ToolResult with IsError; a returned error means the call itself broke.
	Invoke(ctx context.Context, call ToolCall, progress func(ToolProgress)) (ToolResult, error)
}

// SkillProvider offers skills.
type SkillProvider interface {
	Skills(ctx context.Context) ([]Skill, error)
}

// permanentError marks an error retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix, such as a rejected
// token: the account stays in the error state until reconfigured instead of
// being restarted in a loop.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return asError(err, &p)
}
