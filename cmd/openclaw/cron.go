package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/cron"
)

// cronCommand is `openclaw cron` (alias `automations`): scheduled jobs.
// Everything but run edits the jobs file directly, so it works without a
// gateway; a running gateway notices the change. run asks the gateway.
func cronCommand() *cli.Command {
	jsonOnly := []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON (the default)"}}
	return &cli.Command{
		Name:    "cron",
		Aliases: []string{"automations"},
		Usage:   "manage scheduled jobs",
		Subcommands: []*cli.Command{
			{
				Name: "list", Aliases: []string{"ls"}, Usage: "list jobs (enabled only, unless --all)",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "all", Usage: "include disabled jobs"},
					&cli.StringFlag{Name: "agent", Usage: "only jobs of this agent"},
					&cli.BoolFlag{Name: "json", Usage: "print JSON"},
				},
				Action: cronList,
			},
			{Name: "status", Usage: "show the scheduler's store and job counts", Flags: jsonOnly, Action: cronStatus},
			{Name: "get", Usage: "print one job as JSON", ArgsUsage: "JOB_ID", Flags: jsonOnly, Action: cronGet},
			{Name: "show", Usage: "describe one job", ArgsUsage: "JOB_ID", Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}}, Action: cronShow},
			{
				Name: "add", Aliases: []string{"create"}, Usage: "add a job",
				ArgsUsage: `[SCHEDULE ["PROMPT"]]   SCHEDULE: "0 9 * * 1", "every 1h", "20m" or an ISO time`,
				Flags:     cronJobFlags(true), Action: cronAdd,
			},
			{Name: "edit", Usage: "change a job", ArgsUsage: "JOB_ID", Flags: cronJobFlags(false), Action: cronEdit},
			{Name: "enable", Usage: "enable a job (clears an automatic disable)", ArgsUsage: "JOB_ID", Flags: jsonOnly, Action: func(c *cli.Context) error { return cronSetEnabled(c, true) }},
			{Name: "disable", Usage: "disable a job without deleting it", ArgsUsage: "JOB_ID", Flags: jsonOnly, Action: func(c *cli.Context) error { return cronSetEnabled(c, false) }},
			{Name: "remove", Aliases: []string{"rm", "delete"}, Usage: "delete a job (its run history is kept)", ArgsUsage: "JOB_ID", Flags: jsonOnly, Action: cronRemove},
			{
				Name: "run", Usage: "run a job now (needs a running gateway)", ArgsUsage: "JOB_ID",
				Flags: append(connFlags(10000),
					&cli.BoolFlag{Name: "due", Usage: "run only if the job is due"},
					&cli.BoolFlag{Name: "wait", Usage: "wait for the run to finish; exit 0 only if it succeeded"},
					&cli.StringFlag{Name: "wait-timeout", Value: "10m", Usage: "how long --wait waits"},
					&cli.StringFlag{Name: "poll-interval", Value: "2s", Usage: "how often --wait checks"},
					&cli.BoolFlag{Name: "json", Usage: "print JSON (the default)"},
				),
				Action: cronRun,
			},
			{
				Name: "runs", Usage: "show a job's run history, newest first", ArgsUsage: "JOB_ID",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "id", Usage: "the job (instead of the argument)"},
					&cli.IntFlag{Name: "limit", Value: 50, Usage: "entries per page (at most 200)"},
					&cli.IntFlag{Name: "offset", Usage: "skip this many entries"},
					&cli.StringFlag{Name: "run-id", Usage: "one run only"},
					&cli.StringFlag{Name: "status", Usage: "all, ok, error or skipped"},
					&cli.StringFlag{Name: "delivery-status", Usage: "delivered, not-delivered, unknown or not-requested"},
					&cli.StringFlag{Name: "query", Usage: "search summaries and errors"},
					&cli.StringFlag{Name: "sort", Usage: "desc (default) or asc"},
					&cli.BoolFlag{Name: "json", Usage: "print JSON (the default)"},
				},
				Action: cronRuns,
			},
		},
	}
}

// cronJobFlags are the flags of add (and, with the clear-* flags, edit).
func cronJobFlags(add bool) []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "name", Usage: "job name (add: defaults to the prompt's first line)"},
		&cli.StringFlag{Name: "display-name", Usage: "label shown instead of the name"},
		&cli.StringFlag{Name: "description", Usage: "what the job is for"},
		&cli.StringFlag{Name: "at", Usage: "run once: an ISO time or a delay such as 20m"},
		&cli.StringFlag{Name: "every", Usage: "run at an interval such as 10m, 1h or 1d"},
		&cli.StringFlag{Name: "cron", Usage: "run on a 5- or 6-field cron expression"},
		&cli.StringFlag{Name: "tz", Usage: "IANA time zone for --cron and offset-less --at times"},
		&cli.BoolFlag{Name: "exact", Usage: "cron: no stagger for top-of-hour expressions"},
		&cli.StringFlag{Name: "stagger", Usage: "cron: spread runs over this window, e.g. 30s"},
		&cli.StringFlag{Name: "session", Usage: "main, isolated, current or session:<key>"},
		&cli.StringFlag{Name: "agent", Usage: "the agent that runs the job"},
		&cli.StringFlag{Name: "system-event", Usage: "payload: a note for the main session (no model call by itself)"},
		&cli.StringFlag{Name: "message", Usage: "payload: the prompt of an agent turn"},
		&cli.StringFlag{Name: "model", Usage: "agent turn: model override (provider/model)"},
		&cli.StringFlag{Name: "thinking", Usage: "agent turn: thinking level"},
		&cli.IntFlag{Name: "timeout-seconds", Usage: "agent turn: run time limit (0: none)"},
		&cli.BoolFlag{Name: "light-context", Usage: "agent turn: skip workspace bootstrap files"},
		&cli.StringFlag{Name: "wake", Usage: "now or next-heartbeat"},
		&cli.BoolFlag{Name: "announce", Usage: "deliver the result to a chat"},
		&cli.BoolFlag{Name: "no-deliver", Usage: "do not deliver the result"},
		&cli.StringFlag{Name: "channel", Usage: "delivery channel id, or last"},
		&cli.StringFlag{Name: "to", Usage: "delivery recipient (channel:<id>, user:<id>, chat id)"},
		&cli.StringFlag{Name: "account", Usage: "delivery account id"},
		&cli.StringFlag{Name: "thread-id", Usage: "delivery thread or topic id"},
		&cli.BoolFlag{Name: "best-effort-deliver", Usage: "a failed delivery does not fail the run"},
		&cli.BoolFlag{Name: "no-best-effort-deliver", Usage: "a failed delivery fails the run"},
		&cli.StringFlag{Name: "webhook", Usage: "POST the finished run to this URL instead of a chat"},
		&cli.BoolFlag{Name: "delete-after-run", Usage: "one-shot: delete the job after it succeeds (default)"},
		&cli.BoolFlag{Name: "keep-after-run", Usage: "one-shot: keep the job after it runs"},
		&cli.BoolFlag{Name: "disabled", Usage: "create or set the job disabled"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON (the default)"},
	}
	if !add {
		flags = append(flags,
			&cli.BoolFlag{Name: "clear-agent", Usage: "use the default agent"},
			&cli.BoolFlag{Name: "clear-model", Usage: "remove the model override"},
			&cli.BoolFlag{Name: "clear-thinking", Usage: "remove the thinking override"},
		)
	}
	return flags
}

// draftFrom reads the job flags that were given.
func draftFrom(a *cmdArgs) cron.Draft {
	str := func(name string) *string {
		if !a.IsSet(name) {
			return nil
		}
		v := a.String(name)
		return &v
	}
	d := cron.Draft{
		Name: str("name"), DisplayName: str("display-name"), Description: str("description"),
		At: str("at"), Every: str("every"), Cron: str("cron"), Tz: str("tz"), Exact: a.Bool("exact"), Stagger: str("stagger"),
		Session: str("session"), Agent: str("agent"), ClearAgent: a.Bool("clear-agent"),
		SystemEvent: str("system-event"), Message: str("message"), Model: str("model"), ClearModel: a.Bool("clear-model"),
		Thinking: str("thinking"), ClearThinking: a.Bool("clear-thinking"), Wake: str("wake"),
		Announce: a.Bool("announce"), NoDeliver: a.Bool("no-deliver"), Channel: str("channel"), To: str("to"),
		Account: str("account"), ThreadID: str("thread-id"), Webhook: str("webhook"),
		DeleteAfterRun: a.Bool("delete-after-run"), KeepAfterRun: a.Bool("keep-after-run"), Disabled: a.Bool("disabled"),
	}
	if a.IsSet("timeout-seconds") {
		v := float64(a.Int("timeout-seconds"))
		d.TimeoutSeconds = &v
	}
	if a.Bool("light-context") {
		v := true
		d.LightContext = &v
	}
	switch {
	case a.Bool("best-effort-deliver"):
		v := true
		d.BestEffort = &v
	case a.Bool("no-best-effort-deliver"):
		v := false
		d.BestEffort = &v
	}
	return d
}

// openCronStore opens the jobs file the gateway uses (cron.store, else
// <state>/cron/jobs.json) without starting a scheduler.
func openCronStore(c *cli.Context) (*cron.Service, error) {
	home, _ := os.UserHomeDir()
	paths := config.ResolvePaths(os.Getenv, home)
	var cfg cron.Config
	loaded, err := config.Load(c.Context, config.LoadOptions{Getenv: os.Getenv, Home: home, SkipDotEnv: true, AllowMissingEnv: true})
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "warning: the config did not load (%s); using the default cron store\n", firstLineOf(err.Error()))
	} else if err := loaded.Section("cron", &cfg); err != nil {
		return nil, err
	}
	return cron.Open(cron.Options{StateDir: paths.StateDir, Home: home, Config: cfg, Getenv: os.Getenv})
}

// jobArg is the single JOB_ID argument.
func jobArg(a *cmdArgs, usage string) (string, error) {
	if len(a.pos) != 1 || strings.TrimSpace(a.pos[0]) == "" {
		return "", cli.Exit("usage: openclaw cron "+usage, 2)
	}
	return strings.TrimSpace(a.pos[0]), nil
}

func cronList(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	svc, err := openCronStore(c)
	if err != nil {
		return err
	}
	res, err := svc.List(c.Context, cron.ListQuery{IncludeDisabled: a.Bool("all"), AgentID: a.String("agent")})
	if err != nil {
		return err
	}
	if a.Bool("json") {
		return printJSON(c, res)
	}
	if len(res.Jobs) == 0 {
		hint := ""
		if !a.Bool("all") {
			hint = " (disabled jobs are shown with --all)"
		}
		fmt.Fprintf(c.App.Writer, "No jobs%s.\n", hint)
		return nil
	}
	printJobTable(c.App.Writer, res.Jobs, time.Now())
	return nil
}

func printJobTable(w io.Writer, jobs []cron.JobView, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCHEDULE\tNEXT\tLAST\tSTATUS\tTARGET\tAGENT")
	for _, j := range jobs {
		name := j.Name
		if j.DisplayName != "" {
			name = j.DisplayName
		}
		next := relative(j.State.NextRunAtMs, now)
		if !j.Enabled {
			next = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, clip(name, 32), clip(cron.DescribeSchedule(j.Schedule), 40),
			next, relative(j.State.LastRunAtMs, now), jobStatus(j), deliverySummary(j), dash(j.AgentID))
	}
	tw.Flush()
}

func jobStatus(j cron.JobView) string {
	st := j.Status
	switch {
	case st == "error" && j.State.ConsecutiveErrors > 1:
		st = fmt.Sprintf("error ×%d", j.State.ConsecutiveErrors)
	case st == "ok" && j.State.DeliverySuppressionReason != "":
		st = "ok (suppressed)"
	case st == "ok" && j.State.LastDeliveryStatus == cron.DeliveryNotDelivered:
		st = "ok (not delivered)"
	case st == "disabled" && j.State.AutoDisabled != nil:
		st = "disabled (" + j.State.AutoDisabled.Reason + ")"
	}
	return st
}

func deliverySummary(j cron.JobView) string {
	d := j.Delivery
	switch {
	case j.SessionTarget == cron.TargetMain && (d == nil || d.Mode != cron.DeliverWebhook):
		return "main session"
	case d == nil || d.Mode == cron.DeliverNone:
		return "none"
	case d.Mode == cron.DeliverWebhook:
		return "webhook " + clip(d.To, 40)
	}
	ch := d.Channel
	if ch == "" {
		ch = "last"
	}
	if d.To != "" {
		return ch + " " + d.To
	}
	return ch
}

func relative(ms int64, now time.Time) string {
	if ms <= 0 {
		return "-"
	}
	d := time.UnixMilli(ms).Sub(now)
	if d >= 0 {
		return "in " + roundDuration(d)
	}
	return roundDuration(-d) + " ago"
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cronStatus(c *cli.Context) error {
	svc, err := openCronStore(c)
	if err != nil {
		return err
	}
	st, err := svc.Status(c.Context)
	if err != nil {
		return err
	}
	return printJSON(c, st)
}

func cronGet(c *cli.Context) error {
	return onJob(c, "get JOB_ID", func(ctx context.Context, svc *cron.Service, id string) (any, error) {
		return svc.Get(ctx, id)
	})
}

// onJob runs fn on the job the first argument names, against the jobs
// file, and prints its result as JSON.
func onJob(c *cli.Context, usage string, fn func(ctx context.Context, svc *cron.Service, id string) (any, error)) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	id, err := jobArg(a, usage)
	if err != nil {
		return err
	}
	svc, err := openCronStore(c)
	if err != nil {
		return err
	}
	res, err := fn(c.Context, svc, id)
	if err != nil {
		return err
	}
	return printJSON(c, res)
}

func cronShow(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	id, err := jobArg(a, "show JOB_ID")
	if err != nil {
		return err
	}
	svc, err := openCronStore(c)
	if err != nil {
		return err
	}
	j, err := svc.Get(c.Context, id)
	if err != nil {
		return err
	}
	if a.Bool("json") {
		return printJSON(c, j)
	}
	now := time.Now()
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s:\t%s\n", k, v)
		}
	}
	row("ID", j.ID)
	row("Name", j.Name)
	row("Display name", j.DisplayName)
	row("Description", j.Description)
	row("Agent", dash(j.AgentID))
	row("Status", jobStatus(j))
	row("Schedule", cron.DescribeSchedule(j.Schedule))
	row("Session", j.SessionTarget)
	switch j.Payload.Kind {
	case cron.PayloadSystemEvent:
		row("System event", j.Payload.Text)
	default:
		row("Message", j.Payload.Message)
		row("Model", j.Payload.Model)
		row("Thinking", j.Payload.Thinking)
	}
	row("Delivery", deliverySummary(j))
	if j.Enabled && j.State.NextRunAtMs > 0 {
		row("Next run", time.UnixMilli(j.State.NextRunAtMs).Local().Format(time.RFC1123)+" ("+relative(j.State.NextRunAtMs, now)+")")
	}
	if j.State.LastRunAtMs > 0 {
		row("Last run", time.UnixMilli(j.State.LastRunAtMs).Local().Format(time.RFC1123)+" ("+relative(j.State.LastRunAtMs, now)+")")
	}
	row("Last error", j.State.LastError)
	row("Last delivery", j.State.LastDeliveryStatus)
	row("Last delivery error", j.State.LastDeliveryError)
	row("Last delivery suppression", j.State.DeliverySuppressionReason)
	if j.State.AutoDisabled != nil {
		row("Disabled by the scheduler", fmt.Sprintf("%s after %d errors; fix it, then `openclaw cron enable %s`",
			j.State.AutoDisabled.Reason, j.State.AutoDisabled.ConsecutiveErrors, j.ID))
	}
	return w.Flush()
}

func cronAdd(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	d := draftFrom(a)
	switch len(a.pos) {
	case 0:
	case 1:
		d.Schedule = &a.pos[0]
	case 2:
		d.Schedule, d.Prompt = &a.pos[0], &a.pos[1]
	default:
		return cli.Exit(`usage: openclaw cron add [SCHEDULE ["PROMPT"]] [flags]; quote the cron expression and the prompt`, 2)
	}
	in, err := d.AddInput(time.Now())
	if err != nil {
		return cli.Exit(err.Error(), 2)
	}
	if in.AgentID == "" && in.Payload.Kind == cron.PayloadAgentTurn {
		fmt.Fprintln(c.App.ErrWriter, "note: no --agent given; the default agent runs this job")
	}
	svc, err := openCronStore(c)
	if err != nil {
		return err
	}
	j, err := svc.Add(c.Context, in)
	if err != nil {
		return err
	}
	return printJSON(c, j)
}

func cronEdit(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	id, err := jobArg(a, "edit JOB_ID [flags]")
	if err != nil {
		return err
	}
	svc, err := openCronStore(c)
	if err != nil {
		return err
	}
	cur, err := svc.Get(c.Context, id)
	if err != nil {
		return err
	}
	patch, err := draftFrom(a).Patch(time.Now(), cur.Job)
	if err != nil {
		return cli.Exit(err.Error(), 2)
	}
	j, err := svc.Update(c.Context, id, patch)
	if err != nil {
		return err
	}
	return printJSON(c, j)
}

func cronSetEnabled(c *cli.Context, on bool) error {
	verb := map[bool]string{true: "enable", false: "disable"}[on]
	return onJob(c, verb+" JOB_ID", func(ctx context.Context, svc *cron.Service, id string) (any, error) {
		return svc.Update(ctx, id, []byte(fmt.Sprintf(`{"enabled":%t}`, on)))
	})
}

func cronRemove(c *cli.Context) error {
	return onJob(c, "remove JOB_ID", func(ctx context.Context, svc *cron.Service, id string) (any, error) {
		return svc.Remove(ctx, id)
	})
}

func cronRuns(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	id := a.String("id")
	if id == "" {
		if id, err = jobArg(a, "runs JOB_ID [--limit N]"); err != nil {
			return err
		}
	}
	svc, err := openCronStore(c)
	if err != nil {
		return err
	}
	res, err := svc.Runs(c.Context, cron.RunsQuery{
		JobRef: cron.JobRef{ID: id}, Limit: a.Int("limit"), Offset: a.Int("offset"), RunID: a.String("run-id"),
		Status: a.String("status"), DeliveryStatus: a.String("delivery-status"), Query: a.String("query"), SortDir: a.String("sort"),
	})
	if err != nil {
		return err
	}
	return printJSON(c, res)
}

// cronRun asks the gateway to run a job (cron.run) and, with --wait,
// follows the run through cron.runs until it records its end.
func cronRun(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	id, err := jobArg(a, "run JOB_ID [--due] [--wait]")
	if err != nil {
		return err
	}
	waitFor, err := cron.ParseDuration(a.String("wait-timeout"))
	if err != nil || waitFor <= 0 {
		return cli.Exit(fmt.Sprintf("--wait-timeout %q: want a duration such as 10m", a.String("wait-timeout")), 2)
	}
	poll, err := cron.ParseDuration(a.String("poll-interval"))
	if err != nil || poll <= 0 {
		return cli.Exit(fmt.Sprintf("--poll-interval %q: want a positive duration such as 2s", a.String("poll-interval")), 2)
	}
	t, err := resolveTarget(c, a)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(c, a)
	defer cancel()
	cl, err := dial(ctx, t, []string{"operator.admin"}, nil)
	if err != nil {
		return fmt.Errorf("cron run needs a running gateway: %w", err)
	}
	defer cl.Close()
	mode := cron.RunForce
	if a.Bool("due") {
		mode = cron.RunDue
	}
	var acc cron.RunAccepted
	if err := cl.Call(ctx, "cron.run", map[string]any{"id": id, "mode": mode}, &acc); err != nil {
		return fmt.Errorf("cron.run: %w", err)
	}
	if !a.Bool("wait") || !acc.Enqueued {
		return printJSON(c, acc)
	}
	if acc.RunID == "" {
		printJSON(c, acc)
		return cli.Exit("the gateway returned no run id to wait for", 1)
	}
	wctx, wcancel := context.WithTimeout(c.Context, waitFor)
	defer wcancel()
	for {
		var page cron.RunsResult
		err := cl.Call(wctx, "cron.runs", map[string]any{"id": id, "runId": acc.RunID, "limit": 1}, &page)
		if err != nil && !errors.Is(wctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("cron.runs: %w", err)
		}
		if err == nil && len(page.Entries) > 0 {
			e := page.Entries[0]
			printJSON(c, map[string]any{"ok": true, "runId": acc.RunID, "status": e.Status, "completionStatus": e.CompletionStatus, "run": e})
			if e.CompletionStatus != cron.CompletionSucceeded {
				return cli.Exit("", 1)
			}
			return nil
		}
		select {
		case <-wctx.Done():
			printJSON(c, map[string]any{"ok": false, "runId": acc.RunID, "error": "timed out waiting for the run"})
			return cli.Exit("", 1)
		case <-time.After(poll):
		}
	}
}
