package models

import (
	"context"
	"errors"
	"strings"
)

// Stream runs req on the route's models in order until one answers.
//
// A model is passed over when it fails with a failover-worthy error (auth,
// billing, rate limit, overload, timeout, server error, unknown model) or
// when its credential is cooling down; other credentials of the same provider
// are tried first where the failure is about the credential. A request the
// provider rejected as invalid, a context overflow, a refusal or the caller's
// cancellation ends the run at once, and so does any failure after part of
// the reply (text or tool calls) has reached onEvent, because a second model
// would repeat it. An empty reply counts as a failure.
//
// The Response names the model that answered and lists every attempt. When no
// model answers, the error is a *FailoverError (wrapping the last *Error), or
// ErrNoModelConfigured when nothing selects a model.
func (r *Router) Stream(ctx context.Context, route Route, req Request, onEvent func(Event)) (*Response, error) {
	cands, err := r.candidates(route)
	if err != nil {
		return nil, err
	}
	run := &run{r: r, ctx: ctx, route: route, req: req, onEvent: onEvent}
	for _, c := range cands {
		if c.err != nil {
			run.record(Attempt{Ref: c.written, Outcome: OutcomeSkipped, Reason: ReasonConfig, Detail: c.err.Error()}, c.err)
			continue
		}
		if resp, done := run.tryModel(c.ref); done {
			return run.finish(resp)
		}
	}
	if !run.tried && run.probe != nil {
		// Everything is cooling down. Rather than fail without asking
		// anyone, probe the first candidate whose rest is not a hard
		// block, as OpenClaw probes its primary near expiry.
		p := run.probe
		run.probe = nil
		r.log.Info("all models cooling down; probing", "model", p.ref.String(), "credential", p.cred.id)
		if resp, done := run.tryCredential(p.ref, p.ep, p.info, p.cred); done {
			return run.finish(resp)
		}
	}
	return run.finish(nil)
}

// run is the state of one Stream call.
type run struct {
	r       *Router
	ctx     context.Context
	route   Route
	req     Request
	onEvent func(Event)

	attempts []Attempt
	lastErr  error
	tried    bool
	// started is set once part of a reply reached onEvent.
	started bool
	// stop ends the chain with lastErr.
	stop  bool
	probe *probe
}

type probe struct {
	ref  Ref
	ep   Endpoint
	info ModelInfo
	cred credential
}

func (u *run) record(a Attempt, err error) {
	u.attempts = append(u.attempts, a)
	if err != nil {
		u.lastErr = err
	}
}

func (u *run) finish(resp *Response) (*Response, error) {
	if resp != nil {
		resp.Attempts = u.attempts
		return resp, nil
	}
	if u.stop && u.started {
		// Part of the reply is out; the caller must see this failure as
		// it is, not dressed as a fallback summary.
		return nil, u.lastErr
	}
	return nil, &FailoverError{Attempts: u.attempts, Err: u.lastErr}
}

// tryModel tries one model with each of its provider's credentials. done is
// true when the run is over: a reply, or a failure that must not fall over.
func (u *run) tryModel(ref Ref) (resp *Response, done bool) {
	ep, info, keyless, err := u.r.endpoint(ref)
	if err != nil {
		u.record(attemptFor(ref, "", OutcomeFailed, err), err)
		return nil, false
	}
	creds := u.r.credentials(ref, u.r.cfg.Providers[ref.Provider])
	if len(creds) == 0 {
		if !keyless {
			err := &Error{Provider: ref.Provider, Model: ref.Model, Reason: ReasonAuth, Message: missingKeyMessage(ref.Provider)}
			u.record(attemptFor(ref, "", OutcomeFailed, err), err)
			return nil, false
		}
		creds = []credential{{id: "none"}}
	}
	for _, cred := range creds {
		if b, blocked := u.r.cool.blocked(ref.Provider, cred.id, ref.Model); blocked {
			u.record(Attempt{Ref: ref.String(), Credential: cred.id, Outcome: OutcomeSkipped, Reason: b.reason,
				Detail: "cooling down", CooldownUntil: b.until}, nil)
			if u.lastErr == nil {
				u.lastErr = &Error{Provider: ref.Provider, Model: ref.Model, Reason: b.reason, Message: "cooling down after recent failures"}
			}
			if u.probe == nil && b.transient() {
				u.probe = &probe{ref: ref, ep: ep, info: info, cred: cred}
			}
			continue
		}
		resp, done := u.tryCredential(ref, ep, info, cred)
		if done {
			return resp, true
		}
		if !ReasonOf(u.lastErr).rotates() {
			break
		}
	}
	return nil, u.stop
}

// tryCredential makes one request. done is true on success or on a failure
// that ends the run.
func (u *run) tryCredential(ref Ref, ep Endpoint, info ModelInfo, cred credential) (*Response, bool) {
	u.tried = true
	r := u.r
	ep.APIKey = cred.key
	ep.Bearer = ep.Bearer || cred.bearer
	resp, err := u.call(ref, ep, info)
	if err == nil {
		r.cool.succeed(ref.Provider, cred.id, ref.Model)
		u.record(Attempt{Ref: ref.String(), Credential: cred.id, Outcome: OutcomeOK}, nil)
		if len(u.attempts) > 1 {
			r.log.Info("model fallback answered", "model", ref.String(), "attempts", len(u.attempts))
		}
		return resp, true
	}
	reason := ReasonOf(err)
	if u.ctx.Err() != nil {
		reason = ReasonAborted
		err = &Error{Provider: ref.Provider, Model: ref.Model, Reason: ReasonAborted, Err: u.ctx.Err()}
	}
	a := attemptFor(ref, cred.id, OutcomeFailed, err)
	a.Reason = reason
	var me *Error
	if errors.As(err, &me) && reason != ReasonAborted {
		a.CooldownUntil = r.cool.fail(ref.Provider, cred.id, ref.Model, reason, me.RetryAfter)
	}
	u.record(a, err)
	r.log.Warn("model request failed", "model", ref.String(), "credential", cred.id, "reason", reason, "status", a.Status)
	if u.started || !reason.Failover() {
		u.stop = true
		return nil, true
	}
	return nil, false
}

// call runs the request on one endpoint, pricing usage from the catalogue.
func (u *run) call(ref Ref, ep Endpoint, info ModelInfo) (*Response, error) {
	p, err := u.r.connect(ep)
	if err != nil {
		return nil, &Error{Provider: ref.Provider, Model: ref.Model, Reason: ReasonConfig, Err: err}
	}
	req := u.r.prepare(u.req, ref, info, u.route.Agent)
	var onEvent func(Event)
	if u.onEvent != nil {
		onEvent = func(ev Event) {
			switch ev.Type {
			case EventUsage:
				if ev.Usage != nil {
					priced := ev.Usage.Price(info.Cost)
					ev.Usage = &priced
				}
			case EventDone, EventThinking:
				// Reasoning is not the reply; repeating it is harmless.
			default:
				u.started = true
			}
			u.onEvent(ev)
		}
	}
	resp, err := p.Stream(u.ctx, req, onEvent)
	if err != nil {
		var me *Error
		if !errors.As(err, &me) {
			err = &Error{Provider: ref.Provider, Model: ref.Model, Reason: ReasonOf(err), Err: err}
		} else if me.Provider == "" || me.Model == "" {
			cp := *me
			cp.Provider, cp.Model = ref.Provider, ref.Model
			err = &cp
		}
		return nil, err
	}
	if resp == nil || empty(resp.Message) {
		// An empty answer would leave the user with silence; another model
		// may do better, and if none does the error is visible.
		return nil, &Error{Provider: ref.Provider, Model: ref.Model, Reason: ReasonMalformed, Message: "the model returned an empty reply"}
	}
	resp.Provider, resp.Model = ref.Provider, ref.Model
	resp.Usage = resp.Usage.Price(info.Cost)
	return resp, nil
}

func attemptFor(ref Ref, cred, outcome string, err error) Attempt {
	a := Attempt{Ref: ref.String(), Credential: cred, Outcome: outcome, Reason: ReasonOf(err)}
	var me *Error
	if errors.As(err, &me) {
		a.Status = me.Status
		a.Detail = me.Message
		if a.Detail == "" && me.Err != nil {
			a.Detail = me.Err.Error()
		}
	} else if err != nil {
		a.Detail = err.Error()
	}
	if len(a.Detail) > 300 {
		a.Detail = a.Detail[:300] + "…"
	}
	return a
}

// empty reports a reply with neither text nor tool calls.
func empty(m Message) bool {
	return len(m.ToolCalls) == 0 && strings.TrimSpace(m.Text()) == ""
}
