package cron

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// deliveryTimeout bounds one delivery; it starts after the run, so a run
// that used its whole budget can still report.
const deliveryTimeout = 2 * time.Minute

// Reply tokens that mean "nothing to say".
const (
	silentToken    = "NO_REPLY"
	heartbeatToken = "HEARTBEAT_OK"
)

// deliver sends a finished run's output where the job says and records
// the outcome in e.
func (s *Service) deliver(_ context.Context, j *Job, runID string, res RunResult, runErr error, e *RunEntry) {
	d := j.Delivery
	mode := DeliverNone
	if d != nil {
		mode = d.Mode
	}
	if mode == DeliverNone {
		if runErr == nil {
			e.DeliveryStatus, e.CompletionStatus = DeliveryNotRequested, CompletionSucceeded
		}
		return
	}
	ctx, cancel := context.WithTimeout(s.baseCtx, deliveryTimeout)
	defer cancel()
	if mode == DeliverWebhook {
		s.deliverWebhook(ctx, d, e, runErr)
		return
	}
	if runErr != nil {
		// Nothing to announce; the error is in the run history.
		return
	}
	intended := Target{Channel: d.Channel, To: d.To, AccountID: d.AccountID, ThreadID: string(d.ThreadID)}
	e.Delivery = &RunDelivery{Intended: &intended, MessageToolSentTo: res.SentTo}
	if reason := suppressed(res.Output); reason != "" {
		e.DeliveryStatus, e.DeliverySuppressionReason = DeliveryNotDelivered, reason
		e.CompletionStatus = CompletionSucceeded
		return
	}
	if covered(intended, res.SentTo) {
		e.setDelivered(true)
		e.Delivery.Delivered = true
		e.CompletionStatus = CompletionSucceeded
		return
	}
	var resolved Target
	err := errors.New("no chat delivery is configured in this gateway")
	if s.opts.Deliverer != nil {
		e.Delivery.FallbackUsed = true
		resolved, err = s.opts.Deliverer.Deliver(ctx, Outbound{
			JobID: j.ID, RunID: runID, AgentID: j.AgentID, SessionKey: j.SessionKey,
			Target: intended, Text: strings.TrimSpace(res.Output), IdempotencyKey: "cron:" + runID,
		})
	}
	if err != nil {
		e.setDelivered(false)
		e.DeliveryError = err.Error()
		e.Delivery.Resolved = &Target{Channel: intended.Channel, To: intended.To}
		e.CompletionStatus = CompletionFailed
		if d.BestEffort {
			e.CompletionStatus = CompletionSucceeded
		}
		return
	}
	e.Delivery.Resolved = &resolved
	e.Delivery.Delivered = true
	e.setDelivered(true)
	e.CompletionStatus = CompletionSucceeded
}

func (e *RunEntry) setDelivered(ok bool) {
	e.Delivered = &ok
	if ok {
		e.DeliveryStatus = DeliveryDelivered
	} else {
		e.DeliveryStatus = DeliveryNotDelivered
	}
}

// suppressed names why output is intentionally not sent: empty, silent
// (NO_REPLY) or heartbeat (a bare HEARTBEAT_OK).
func suppressed(out string) string {
	t := strings.TrimSpace(out)
	switch {
	case t == "":
		return "empty"
	case strings.EqualFold(t, silentToken):
		return "silent"
	case t == heartbeatToken:
		return "heartbeat"
	}
	return ""
}

// covered reports whether the agent already messaged the intended target
// itself.
func covered(intended Target, sent []Target) bool {
	for _, t := range sent {
		if intended.Channel != "" && intended.Channel != "last" && t.Channel != intended.Channel {
			continue
		}
		if intended.To != "" && t.To != intended.To {
			continue
		}
		return true
	}
	return false
}

// deliverWebhook posts the finished run to the job's URL. A successful run
// with no output posts nothing; a failed run always posts its error.
func (s *Service) deliverWebhook(ctx context.Context, d *Delivery, e *RunEntry, runErr error) {
	e.Delivery = &RunDelivery{Intended: &Target{To: d.To}}
	if runErr == nil && strings.TrimSpace(e.Summary) == "" {
		e.DeliveryStatus, e.DeliverySuppressionReason = DeliveryNotDelivered, "empty"
		e.CompletionStatus = CompletionSucceeded
		return
	}
	err := s.postWebhook(ctx, d.To, e)
	if err != nil {
		e.setDelivered(false)
		e.DeliveryError = err.Error()
		if runErr == nil {
			e.CompletionStatus = CompletionFailed
			if d.BestEffort {
				e.CompletionStatus = CompletionSucceeded
			}
		}
		return
	}
	e.setDelivered(true)
	e.Delivery.Delivered = true
	if runErr == nil {
		e.CompletionStatus = CompletionSucceeded
	}
}

func (s *Service) postWebhook(ctx context.Context, url string, e *RunEntry) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode webhook body: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "openclaw-cron")
	if tok := s.opts.Config.WebhookToken; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("webhook POST: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook POST: %s", resp.Status)
	}
	return nil
}

// webhookClient is an HTTP client that refuses loopback, private,
// link-local and other special addresses unless the policy allows the
// host. The check runs on the address actually dialled, after DNS, so a
// name that resolves to a private address is refused too; proxies from
// the environment are not used, since they would hide the destination.
func webhookClient(policy SSRFPolicy) *http.Client {
	allowed := map[string]bool{}
	for _, h := range policy.AllowedHostnames {
		allowed[strings.ToLower(strings.TrimSpace(h))] = true
	}
	guarded := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("webhook: cannot check address %q", address)
		}
		if special(ip.Unmap()) {
			return fmt.Errorf("webhook: %s is a private or special address; allow it in cron.webhookSsrfPolicy.allowedHostnames", ip)
		}
		return nil
	}}
	open := &net.Dialer{Timeout: 10 * time.Second}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if policy.DangerouslyAllowPrivateNetwork || allowed[strings.ToLower(host)] {
				return open.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{Transport: transport, Timeout: time.Minute, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("webhook: too many redirects")
		}
		return nil
	}}
}

// carrierNAT is 100.64.0.0/10, shared address space that is private in
// practice.
var carrierNAT = netip.MustParsePrefix("100.64.0.0/10")

func special(ip netip.Addr) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || carrierNAT.Contains(ip)
}
